/**
 * The router fed by the clusters: per cluster of an environment's group, a watch on the app's NodePort
 * Services (stable and canary tracks) becomes the router's backends, and a {@link
 * dev.slipway.rollout.feed.StageSource} sets each route's migration stage.
 */
package dev.slipway.rollout.feed;
