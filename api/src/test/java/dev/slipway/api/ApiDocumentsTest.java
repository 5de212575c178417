package dev.slipway.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.slipway.core.Problem;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The documents as the server writes them and a client reads them back: one mapping for both sides. */
class ApiDocumentsTest {

    private static final Instant CREATED = Instant.parse("2026-12-02T10:15:30.123456Z");

    private static Deploy queued() {
        return new Deploy(
                7,
                "shop",
                "production",
                "deploy",
                "queued",
                "alice",
                "cli",
                CREATED,
                Optional.of("v7"),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                List.of(new DeployCluster("east-1", "pending", CREATED, Optional.empty(), Optional.empty())),
                Optional.empty());
    }

    @Test
    void absentFieldsAreWrittenAsNullAndInstantsAsIsoText() {
        JsonNode json = ApiJson.tree(queued());

        assertThat(json.get("createdAt").asText()).isEqualTo("2026-12-02T10:15:30.123456Z");
        assertThat(json.has("rollbackTo")).isTrue();
        assertThat(json.get("rollbackTo").isNull()).isTrue();
        assertThat(json.get("ref").asText()).isEqualTo("v7");
        assertThat(json.get("clusters").get(0).get("revision").isNull()).isTrue();
        assertThat(json.has("finished"))
                .as("a method, not a field of the document")
                .isFalse();
    }

    @Test
    void aDocumentReadsBackEqualToWhatWasWritten() {
        Deploy deploy = queued();
        Lab lab = new Lab(
                3,
                "shop",
                "feature/login",
                "shop-feature-login",
                "1111111111111111111111111111111111111111",
                "active",
                "alice",
                CREATED,
                CREATED,
                "24h",
                CREATED.plusSeconds(86_400),
                "24h",
                Optional.of("success"),
                Optional.empty(),
                Optional.of("http://feature-login.shop.localhost:8080/"));

        LabUp read = ApiJson.read(ApiJson.tree(new LabUp(lab, deploy)), LabUp.class);

        assertThat(read).isEqualTo(new LabUp(lab, deploy));
        assertThat(read.deploy().finished()).isFalse();
    }

    @Test
    void fieldsANewerServerAddsAreIgnoredAndMissingOptionalsAreEmpty() throws Exception {
        JsonNode json = ApiJson.parse("""
                {"cluster": "east-1", "state": "succeeded", "updatedAt": "2026-12-02T10:15:30Z",
                 "revision": 4, "drifted": true}
                """);

        DeployCluster cluster = ApiJson.read(json, DeployCluster.class);

        assertThat(cluster.revision()).contains(4);
        assertThat(cluster.message()).isEmpty();
    }

    @Test
    void aProblemBodyKeepsSlipwaysWhatWhereAndFix() {
        ProblemDetails details = ProblemDetails.of(
                422, "Invalid request", List.of(new Problem("ref", "is not a commit of the app", "push it")));

        JsonNode json = ApiJson.tree(details);

        assertThat(json.get("type").asText()).isEqualTo("about:blank");
        assertThat(json.get("detail").asText()).isEqualTo("is not a commit of the app");
        assertThat(json.get("problems").get(0).get("fix").asText()).isEqualTo("push it");
        assertThat(ApiJson.read(json, ProblemDetails.class)).isEqualTo(details);
    }
}
