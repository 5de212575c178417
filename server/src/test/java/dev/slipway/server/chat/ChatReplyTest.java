package dev.slipway.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChatReplyTest {
    @Test
    void aLongAnswerIsTrimmedToWhatChatShowsWithWhereToReadTheRest() {
        String history = "- #1 deploy succeeded by alice\n".repeat(200);
        String trimmed = ChatReply.toPerson(history).trimmed("https://slipway.example.com/apps/shop");

        assertThat(trimmed).hasSizeLessThanOrEqualTo(ChatReply.MAX_TEXT);
        assertThat(trimmed)
                .startsWith("- #1 deploy")
                .endsWith("(trimmed; the rest at https://slipway.example.com/apps/shop)");
        assertThat(ChatReply.toPerson("short").trimmed("x")).isEqualTo("short");
    }
}
