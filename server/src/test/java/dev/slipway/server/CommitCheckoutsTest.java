package dev.slipway.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import dev.slipway.local.CommitCheckouts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.threeten.extra.MutableClock;

/** The commit cache: exact commits, reused, and pruned without touching commits that running labs use. */
class CommitCheckoutsTest {

    @TempDir
    Path root;

    @Test
    void keepsTheMostRecentlyUsedCommitsAndThoseInUseAndRemovesTheRest() throws Exception {
        GitRepo repo = GitRepo.init(root.resolve("repo"));
        String one = repo.write("app/version.txt", "1").commit("one");
        String two = repo.write("app/version.txt", "2").commit("two");
        String three = repo.write("app/version.txt", "3").commit("three");
        Path cache = root.resolve("cache");
        MutableClock clock = MutableClock.of(Instant.parse("2030-01-01T00:00:00Z"), java.time.ZoneOffset.UTC);
        CommitCheckouts checkouts = new CommitCheckouts(cache, 1, () -> Set.of(one), clock);
        Path app = repo.root.resolve("app");

        CommitCheckouts.Source first = checkouts.checkout(app, Optional.of(one));
        clock.add(Duration.ofMinutes(1));
        checkouts.checkout(app, Optional.of(two));
        clock.add(Duration.ofMinutes(1));
        CommitCheckouts.Source third = checkouts.checkout(app, Optional.of(three));

        assertThat(first.directory()).isEqualTo(cache.resolve(one).resolve("app"));
        assertThat(Files.readString(first.directory().resolve("version.txt"))).isEqualTo("1");
        assertThat(Files.readString(third.directory().resolve("version.txt"))).isEqualTo("3");
        assertThat(cache.resolve(two))
                .as("neither in use nor among the most recent")
                .doesNotExist();
        try (var entries = Files.list(cache)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(one, three);
        }
    }

    @Test
    void aShortShaOrTagResolvesToItsCommitAndAnythingElseIsRefused() {
        GitRepo repo = GitRepo.init(root.resolve("repo"));
        String one = repo.write("version.txt", "1").commit("one");
        repo.git("tag", "v1");
        CommitCheckouts checkouts = new CommitCheckouts(root.resolve("cache"), 5, Set::of, Clock.systemUTC());

        assertThat(checkouts.checkout(repo.root, Optional.of("v1")).commit()).contains(one);
        assertThat(checkouts
                        .checkout(repo.root, Optional.of(one.substring(0, 10)))
                        .commit())
                .contains(one);
        assertThatThrownBy(() -> checkouts.checkout(repo.root, Optional.of("--output=/tmp/x")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not in the git repository");
        assertThat(checkouts.missingCommit(repo.root, "no-such-branch")).isPresent();
        assertThat(checkouts.missingCommit(repo.root, one)).isEmpty();
    }
}
