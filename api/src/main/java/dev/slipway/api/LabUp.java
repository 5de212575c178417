package dev.slipway.api;

/** The answer to {@code POST /api/apps/{app}/labs}: the lab brought up, and the queued deploy that brings it up. */
public record LabUp(Lab lab, Deploy deploy) {}
