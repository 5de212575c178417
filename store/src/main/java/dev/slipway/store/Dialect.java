package dev.slipway.store;

/** The databases the store speaks; a few statements (row locks that skip locked rows) differ between them. */
public enum Dialect {
    H2,
    POSTGRESQL;

    /** The suffix that makes a candidate query skip rows another server is working on. */
    String skipLocked() {
        return this == POSTGRESQL ? " FOR UPDATE SKIP LOCKED" : "";
    }
}
