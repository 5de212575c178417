package dev.slipway.rollout.controller;

import java.util.Locale;

/** What one analysis check concluded about the canary. */
public enum Verdict {
    /** Within every limit on at least minRequests requests: a step whose hold is over moves on. */
    PASS,
    /** Too few requests (or no window yet) to judge: neither passes nor aborts. */
    WAIT,
    /** A limit was exceeded: the rollout aborts. */
    BREACH;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
