package dev.slipway.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * What Jetty answers for requests that never reach the API (headers too large, a malformed request line): a
 * short problem document that names the status only. Jetty's own page repeats the request's URI, which can
 * carry anything a client sent (a token in a query, 8 KiB of it), and warns in the log with the whole request
 * when that page does not fit its buffer.
 */
final class ShortErrorPages extends ErrorHandler {
    @Override
    protected void generateResponse(
            Request request, Response response, int code, String message, Throwable cause, Callback callback)
            throws IOException {
        String reason = HttpStatus.getMessage(code);
        String body = "{\"type\":\"about:blank\",\"title\":\"" + reason + "\",\"status\":" + code + "}\n";
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/problem+json");
        response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    }
}
