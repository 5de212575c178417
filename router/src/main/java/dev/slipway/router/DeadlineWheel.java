package dev.slipway.router;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The timeouts of one event loop (route, header read and idle timeouts) as a hashed timing wheel: arming,
 * moving or cancelling a timeout relinks a node the connection owns, with no allocation and no priority queue.
 * One task on the loop advances the wheel every {@link #TICK_NANOS} while any timeout is armed, so a timeout
 * fires at most about one tick late, never early. Only ever touched from its event loop.
 */
final class DeadlineWheel {
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    // 1024 ticks of 10 ms: timeouts up to ~10 s are looked at once; longer ones once per turn of the wheel.
    private static final int SLOTS = 1024;
    private static final int MASK = SLOTS - 1;

    /** A timeout a connection arms again and again; {@link #expired()} runs on the event loop. */
    abstract static class Timeout {
        private long deadlineNanos;
        private Timeout prev;
        private Timeout next;
        private int slot = -1;

        abstract void expired();

        boolean armed() {
            return slot >= 0;
        }
    }

    private final EventExecutor loop;
    private final LongSupplier nanoTime;
    private final Timeout[] heads = new Timeout[SLOTS];
    private final long origin;
    private final List<Timeout> due = new ArrayList<>();
    private long processedTick;
    private int armed;
    private boolean ticking;

    DeadlineWheel(EventExecutor loop, LongSupplier nanoTime) {
        this.loop = loop;
        this.nanoTime = nanoTime;
        this.origin = nanoTime.getAsLong();
    }

    /** Fires {@code t} once {@code delayNanos} from now have passed, replacing any earlier arming of it. */
    void arm(Timeout t, long delayNanos) {
        disarm(t);
        long deadline = nanoTime.getAsLong() + delayNanos;
        // The first tick at or after the deadline, and never one already processed.
        long tick = Math.max(Math.floorDiv(deadline - origin + TICK_NANOS - 1, TICK_NANOS), processedTick + 1);
        int slot = (int) (tick & MASK);
        t.deadlineNanos = deadline;
        t.slot = slot;
        t.prev = null;
        t.next = heads[slot];
        if (t.next != null) {
            t.next.prev = t;
        }
        heads[slot] = t;
        armed++;
        if (!ticking) {
            ticking = true;
            scheduleTick();
        }
    }

    void disarm(Timeout t) {
        if (t.slot < 0) {
            return;
        }
        if (t.prev != null) {
            t.prev.next = t.next;
        } else {
            heads[t.slot] = t.next;
        }
        if (t.next != null) {
            t.next.prev = t.prev;
        }
        t.prev = null;
        t.next = null;
        t.slot = -1;
        armed--;
    }

    int armedCount() {
        return armed;
    }

    private void scheduleTick() {
        loop.schedule(this::tick, TICK_NANOS, TimeUnit.NANOSECONDS);
    }

    private void tick() {
        expireDue(nanoTime.getAsLong());
        if (armed > 0) {
            scheduleTick();
        } else {
            ticking = false;
        }
    }

    /** Fires every timeout whose deadline is at or before {@code now}; package-private for tests. */
    void expireDue(long now) {
        long nowTick = Math.floorDiv(now - origin, TICK_NANOS);
        long from = processedTick + 1;
        // A loop that fell more than a turn behind looks at every slot once.
        long to = Math.min(nowTick, from + SLOTS - 1);
        for (long tick = from; tick <= to; tick++) {
            Timeout t = heads[(int) (tick & MASK)];
            while (t != null) {
                Timeout next = t.next;
                if (t.deadlineNanos - now <= 0) {
                    disarm(t);
                    due.add(t);
                }
                t = next;
            }
        }
        processedTick = Math.max(processedTick, nowTick);
        // Fired after the walk: a callback may arm or disarm other timeouts.
        for (int i = 0; i < due.size(); i++) {
            due.get(i).expired();
        }
        due.clear();
    }
}
