package dev.slipway.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SlackSignatureTest {
    static final SlackSignature SLACK = new SlackSignature("8f742231b10e8888abcd99yyyzzz85a5");
    static final Instant NOW = Instant.ofEpochSecond(1_764_850_000L);
    static final byte[] BODY =
            "token=x&team_id=T1&user_id=U1&command=%2Fslipway&text=help".getBytes(StandardCharsets.UTF_8);

    @Test
    void aRequestSignedWithTheSecretWithinFiveMinutesPasses() {
        String ts = Long.toString(NOW.getEpochSecond() - 299);
        String signature = "v0=" + SLACK.sign(ts, BODY);
        assertThat(signature).matches("v0=[0-9a-f]{64}");
        assertThat(SLACK.refusal(ts, signature, BODY, NOW)).isEmpty();
    }

    @Test
    void unsignedWronglySignedAlteredAndReplayedRequestsAreRefusedSayingWhy() {
        String ts = Long.toString(NOW.getEpochSecond());
        String good = "v0=" + SLACK.sign(ts, BODY);
        assertThat(SLACK.refusal(null, good, BODY, NOW))
                .hasValueSatisfying(w -> assertThat(w).contains("not signed"));
        assertThat(SLACK.refusal(ts, null, BODY, NOW))
                .hasValueSatisfying(w -> assertThat(w).contains("not signed"));
        assertThat(SLACK.refusal("soon", good, BODY, NOW))
                .hasValueSatisfying(w -> assertThat(w).contains("not a Unix time"));
        assertThat(new SlackSignature("another secret").refusal(ts, good, BODY, NOW))
                .hasValueSatisfying(w -> assertThat(w).contains("does not match"));
        byte[] altered =
                "token=x&team_id=T1&user_id=U1&command=%2Fslipway&text=deploy".getBytes(StandardCharsets.UTF_8);
        assertThat(SLACK.refusal(ts, good, altered, NOW)).isPresent();
        String old = Long.toString(NOW.getEpochSecond() - 301);
        assertThat(SLACK.refusal(old, "v0=" + SLACK.sign(old, BODY), BODY, NOW))
                .hasValueSatisfying(w -> assertThat(w).contains("more than 5 minutes"));
        String future = Long.toString(NOW.getEpochSecond() + 301);
        assertThat(SLACK.refusal(future, "v0=" + SLACK.sign(future, BODY), BODY, NOW))
                .isPresent();
        assertThat(SLACK.refusal(ts, "v1=" + SLACK.sign(ts, BODY), BODY, NOW)).isPresent();
    }
}
