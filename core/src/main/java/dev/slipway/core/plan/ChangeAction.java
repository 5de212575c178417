package dev.slipway.core.plan;

/** What a deploy will do to one object; the closed set a plan is made of. */
public enum ChangeAction {
    CREATE("+", "create"),
    UPDATE("~", "update"),
    /** Unchanged in the app, changed live by someone else: re-applied to repair it. */
    DRIFTED("~", "drifted"),
    DELETE("-", "delete (prune)"),
    UNCHANGED("=", "unchanged");

    private final String symbol;
    private final String verb;

    ChangeAction(String symbol, String verb) {
        this.symbol = symbol;
        this.verb = verb;
    }

    /** One-character marker shown in front of the object in a plan. */
    public String symbol() {
        return symbol;
    }

    public String verb() {
        return verb;
    }

    /** Whether carrying out this action writes to the cluster. */
    public boolean writes() {
        return this != UNCHANGED;
    }
}
