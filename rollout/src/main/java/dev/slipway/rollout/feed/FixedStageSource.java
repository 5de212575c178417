package dev.slipway.rollout.feed;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Stages set in code: the source of a fed router until a rollout drives it ({@link Stages#none()}: all on
 * stable, with the admin API's stage changes still possible), and of tests that move stages by hand.
 */
public final class FixedStageSource implements StageSource {
    private final List<Consumer<Stages>> listeners = new CopyOnWriteArrayList<>();
    private volatile Stages stages;

    public FixedStageSource(Stages stages) {
        this.stages = stages;
    }

    /** All off. */
    public static FixedStageSource off() {
        return new FixedStageSource(Stages.none());
    }

    @Override
    public Stages current() {
        return stages;
    }

    /** Replaces the stages and tells the subscribers. */
    public void set(Stages next) {
        synchronized (this) {
            stages = next;
        }
        listeners.forEach(l -> l.accept(next));
    }

    /** Changes the stages with {@code change} (e.g. {@code s -> s.with("web", Stage.percent(10))}). */
    public void change(UnaryOperator<Stages> change) {
        Stages next;
        synchronized (this) {
            next = change.apply(stages);
            stages = next;
        }
        listeners.forEach(l -> l.accept(next));
    }

    @Override
    public void subscribe(Consumer<Stages> listener) {
        listeners.add(listener);
    }
}
