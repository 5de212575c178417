package dev.slipway.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadlineWheelTest {
    final EmbeddedChannel channel = new EmbeddedChannel();
    long now = 1_000_000_000L;
    final DeadlineWheel wheel = new DeadlineWheel(channel.eventLoop(), () -> now);
    final List<String> fired = new ArrayList<>();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    DeadlineWheel.Timeout timeout(String name) {
        return new DeadlineWheel.Timeout() {
            @Override
            void expired() {
                fired.add(name);
            }
        };
    }

    /** Moves the clock in steps of one tick, as the loop's tick task does, until {@code ms} have passed. */
    void advanceMillis(long ms) {
        long end = now + TimeUnit.MILLISECONDS.toNanos(ms);
        while (now < end) {
            now = Math.min(end, now + DeadlineWheel.TICK_NANOS);
            wheel.expireDue(now);
        }
    }

    @Test
    void firesAtItsDeadlineNeverBeforeAndAtMostATickLater() {
        wheel.arm(timeout("route"), TimeUnit.MILLISECONDS.toNanos(400));
        advanceMillis(399);
        assertThat(fired).isEmpty();
        advanceMillis(11);
        assertThat(fired).containsExactly("route");
        assertThat(wheel.armedCount()).isZero();
    }

    @Test
    void aTimeoutLongerThanOneTurnOfTheWheelFiresOnTimeNotATurnEarly() {
        wheel.arm(timeout("idle"), TimeUnit.SECONDS.toNanos(60));
        advanceMillis(59_990);
        assertThat(fired).isEmpty();
        advanceMillis(20);
        assertThat(fired).containsExactly("idle");
    }

    @Test
    void reArmingMovesTheDeadlineAndDisarmingCancelsIt() {
        DeadlineWheel.Timeout guard = timeout("guard");
        DeadlineWheel.Timeout route = timeout("route");
        wheel.arm(guard, TimeUnit.MILLISECONDS.toNanos(100));
        wheel.arm(route, TimeUnit.MILLISECONDS.toNanos(100));
        advanceMillis(50);
        wheel.arm(guard, TimeUnit.MILLISECONDS.toNanos(300));
        wheel.disarm(route);
        advanceMillis(200);
        assertThat(fired).isEmpty();
        advanceMillis(120);
        assertThat(fired).containsExactly("guard");
    }

    @Test
    void aLoopThatFellBehindFiresEverythingDueAndKeepsTheRest() {
        wheel.arm(timeout("a"), TimeUnit.SECONDS.toNanos(1));
        wheel.arm(timeout("b"), TimeUnit.SECONDS.toNanos(20));
        wheel.arm(timeout("c"), TimeUnit.SECONDS.toNanos(40));
        now += TimeUnit.SECONDS.toNanos(25);
        wheel.expireDue(now);
        assertThat(fired).containsExactlyInAnyOrder("a", "b");
        advanceMillis(14_990);
        assertThat(fired).hasSize(2);
        advanceMillis(20);
        assertThat(fired).contains("c");
    }

    @Test
    void anExpiredTimeoutMayArmItselfAgain() {
        DeadlineWheel.Timeout[] self = new DeadlineWheel.Timeout[1];
        self[0] = new DeadlineWheel.Timeout() {
            @Override
            void expired() {
                fired.add("tick");
                if (fired.size() < 3) {
                    wheel.arm(self[0], TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
        };
        wheel.arm(self[0], TimeUnit.MILLISECONDS.toNanos(100));
        advanceMillis(1_000);
        assertThat(fired).hasSize(3);
        assertThat(wheel.armedCount()).isZero();
    }
}
