package dev.slipway.core.spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON Schema (draft 2020-12) of {@code slipway.yaml}, published so editors can complete and check
 * the file as it is typed; {@link AppLoader} stays the authority and a test keeps the two in agreement.
 */
public final class SpecSchema {
    /** Where the schema is published; scaffolded files point editors at it. */
    public static final String URL = "https://slipway.dev/schemas/slipway.schema.json";

    private static final String RESOURCE = "slipway.schema.json";

    private SpecSchema() {}

    /** The schema as JSON text. */
    public static String text() {
        try (InputStream in = SpecSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("schema resource missing from the build: " + RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
