package dev.slipway.cli;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads a secret (a secret value, an API token) from stdin: prompted without echo on a terminal, piped otherwise.
 * Secrets never come from argv, which every user of the machine can read and shell history keeps.
 */
final class StdinSecret {
    private StdinSecret() {}

    /** The value on stdin with one trailing newline removed (so {@code echo value |} works). */
    static String read(CliContext context, String prompt, Problem whenEmpty) {
        if (context.terminal() && System.console() != null && context.stdin() == System.in) {
            char[] typed = System.console().readPassword(prompt);
            if (typed == null || typed.length == 0) {
                throw new InvalidInputException(whenEmpty);
            }
            return new String(typed);
        }
        String value = decode(readAll(context.stdin()), "stdin");
        if (value.endsWith("\r\n")) {
            value = value.substring(0, value.length() - 2);
        } else if (value.endsWith("\n")) {
            value = value.substring(0, value.length() - 1);
        }
        if (value.isEmpty()) {
            throw new InvalidInputException(whenEmpty);
        }
        return value;
    }

    /** Strict UTF-8: a secret that is not text is refused rather than silently mangled. */
    static String decode(byte[] bytes, String where) {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new InvalidInputException(new Problem(
                    where,
                    "the secret value is not UTF-8 text",
                    "base64-encode binary values (base64 < file | slipway secret set APP NAME)"));
        }
    }

    private static byte[] readAll(InputStream in) {
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
