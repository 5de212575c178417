package dev.slipway.server.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class ChatGrammarTest {

    @Test
    void everyCommandOfTheGrammarIsRead() {
        assertThat(ChatGrammar.parse("deploy shop to production"))
                .isEqualTo(new ChatCommand.Deploy("shop", Optional.empty(), "production"));
        assertThat(ChatGrammar.parse("  Deploy shop v1.2.3 to production "))
                .isEqualTo(new ChatCommand.Deploy("shop", Optional.of("v1.2.3"), "production"));
        assertThat(ChatGrammar.parse("lab up shop feature/login"))
                .isEqualTo(new ChatCommand.LabUp("shop", "feature/login"));
        assertThat(ChatGrammar.parse("lab list")).isEqualTo(new ChatCommand.LabList(Optional.empty()));
        assertThat(ChatGrammar.parse("lab list shop")).isEqualTo(new ChatCommand.LabList(Optional.of("shop")));
        assertThat(ChatGrammar.parse("lab down shop feature/x"))
                .isEqualTo(new ChatCommand.LabDown("shop", "feature/x"));
        assertThat(ChatGrammar.parse("lab extend shop feature/x 4h"))
                .isEqualTo(new ChatCommand.LabExtend("shop", "feature/x", Optional.of("4h")));
        assertThat(ChatGrammar.parse("status shop production")).isEqualTo(new ChatCommand.Status("shop", "production"));
        assertThat(ChatGrammar.parse("history shop production"))
                .isEqualTo(new ChatCommand.History("shop", "production"));
        assertThat(ChatGrammar.parse("rollout ABORT shop production p99 looks off"))
                .isEqualTo(new ChatCommand.Rollout("abort", "shop", "production", Optional.of("p99 looks off")));
        assertThat(ChatGrammar.parse("rollout status shop production"))
                .isEqualTo(new ChatCommand.Rollout("status", "shop", "production", Optional.empty()));
        assertThat(ChatGrammar.parse("freeze shop production --for 2h release week"))
                .isEqualTo(new ChatCommand.Freeze(
                        true, "shop", "production", Optional.of("2h"), Optional.empty(), "release week"));
        assertThat(ChatGrammar.parse("freeze shop production --until 2026-12-24T18:00:00Z holidays"))
                .isEqualTo(new ChatCommand.Freeze(
                        true, "shop", "production", Optional.empty(), Optional.of("2026-12-24T18:00:00Z"), "holidays"));
        assertThat(ChatGrammar.parse("unfreeze shop production"))
                .isEqualTo(new ChatCommand.Freeze(false, "shop", "production", Optional.empty(), Optional.empty(), ""));
        assertThat(ChatGrammar.parse("kube get pods")).isEqualTo(new ChatCommand.Kube("get", List.of("pods")));
        assertThat(ChatGrammar.parse("link ABCDE 23456")).isEqualTo(new ChatCommand.Link("ABCDE23456"));
        assertThat(ChatGrammar.parse("")).isEqualTo(new ChatCommand.Help(Optional.empty()));
        assertThat(ChatGrammar.parse("help")).isEqualTo(new ChatCommand.Help(Optional.empty()));
    }

    @Test
    void whatIsNotUnderstoodIsAnsweredWithWhyAndTheHelp() {
        assertThat(problem("bogus stuff")).contains("'bogus' is not a command");
        assertThat(problem("deploy shop production")).contains("deploy APP [REF] to ENV");
        assertThat(problem("deploy shop v1 v2 to production")).contains("deploy APP [REF] to ENV");
        assertThat(problem("rollout explode shop production")).contains("status|pause|resume|promote|abort");
        assertThat(problem("lab up shop")).contains("lab up APP BRANCH");
        assertThat(problem("lab up shop bad;branch")).contains("names are letters, digits");
        assertThat(problem("kube delete pods")).contains("kube takes one of get, describe");
        assertThat(problem("status shop")).contains("status needs APP ENV");
        assertThat(problem("link")).contains("needs the code");
        assertThat(problem("freeze shop production --for 2h")).contains("freeze needs a reason");
        assertThat(problem("freeze production")).contains("freeze is: freeze APP ENV");
        assertThat(problem("x".repeat(5000))).contains("longer than 4000");
        assertThat(problem("\u0000\u0007evil")).contains("is not a command").doesNotContain("\u0000");
    }

    private static String problem(String message) {
        ChatCommand c = ChatGrammar.parse(message);
        assertThat(c).isInstanceOf(ChatCommand.Help.class);
        return ((ChatCommand.Help) c).problem().orElseThrow();
    }

    @Property(tries = 2000)
    void anythingAPersonTypesIsReadOrAnsweredWithHelpNeverAnError(@ForAll String message) {
        ChatCommand c = ChatGrammar.parse(message);
        assertThat(c).isNotNull();
    }

    @Property(tries = 1000)
    void wordsOfTheGrammarInAnyOrderNeverBreakIt(@ForAll("grammarish") String message) {
        assertThat(ChatGrammar.parse(message)).isNotNull();
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> grammarish() {
        return net.jqwik.api.Arbitraries.of(
                        "deploy",
                        "to",
                        "lab",
                        "up",
                        "down",
                        "list",
                        "extend",
                        "rollout",
                        "abort",
                        "status",
                        "kube",
                        "get",
                        "link",
                        "freeze",
                        "shop",
                        "production",
                        "feature/x",
                        "4h",
                        "",
                        " ",
                        "--for")
                .list()
                .ofMaxSize(8)
                .map(words -> String.join(" ", words));
    }
}
