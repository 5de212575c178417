package dev.slipway.api;

import java.time.Instant;
import java.util.Optional;

/**
 * A review lab as the server reports it ({@code GET /api/labs/{id}}, the OpenAPI document's {@code Lab}): one
 * branch's environment, alive until {@code expiresAt} (last deploy + TTL).
 *
 * @param state {@code active}, {@code deleting} or {@code deleted}
 * @param ttl the lab's lifetime after its last deploy, as {@code 24h}
 * @param expiresIn what is left of it when the server answered, as {@code 1h59m}, or {@code expired}
 * @param ciState the combined CI state of the lab's commit, when the server read it for this answer
 * @param url where the lab answers, when the server knows (labs on its local backend, or a lab URL template)
 */
public record Lab(
        long id,
        String app,
        String branch,
        String namespace,
        String ref,
        String state,
        String createdBy,
        Instant createdAt,
        Instant lastDeployAt,
        String ttl,
        Instant expiresAt,
        String expiresIn,
        Optional<String> ciState,
        Optional<String> lastError,
        Optional<String> url) {}
