package dev.slipway.store;

/** A review lab is up ({@code ACTIVE}), being torn down by one server ({@code REAPING}), or gone. */
public enum LabState {
    ACTIVE,
    REAPING,
    DELETED
}
