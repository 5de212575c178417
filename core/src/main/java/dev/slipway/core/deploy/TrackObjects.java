package dev.slipway.core.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.slipway.core.InvalidInputException;
import dev.slipway.core.Problem;
import dev.slipway.core.rollout.Track;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The objects of an environment with a rollout, split into its two tracks. From each rendered object:
 *
 * <ul>
 *   <li>a Deployment {@code x} gives the stable {@code x} (labelled {@code slipway.dev/track: stable}, pods
 *       too) and the canary {@code x-canary} (labelled {@code canary}, its selector narrowed to canary pods).
 *       The stable Deployment keeps its selector: a selector cannot change on a live Deployment, and
 *       ReplicaSets are owned by reference, so the stable one never adopts canary pods;
 *   <li>a routable Service {@code s} (one of the app's services, with a selector and ports) gives {@code s}
 *       itself narrowed to stable pods (callers inside the cluster keep reaching stable), and one NodePort
 *       Service per track, {@code s-stable} and {@code s-canary}, labelled {@code slipway.dev/service: s} and
 *       the track, which the routers in front of the group reach through every node;
 *   <li>every other object (ConfigMaps, Secrets, PodDisruptionBudgets, StatefulSets...) is shared by both
 *       tracks and carries no track label.
 * </ul>
 *
 * A revision of the canary records every object of both tracks, so a promotion can take the stable ones from it.
 */
public final class TrackObjects {
    /** The label naming the app's service a track's NodePort Service belongs to. */
    public static final String SERVICE_LABEL = "slipway.dev/service";

    /** Suffix of the canary's Deployments and NodePort Services. */
    public static final String CANARY_SUFFIX = "-canary";

    private static final int MAX_NAME = 63;

    private TrackObjects() {}

    /**
     * Both tracks' objects made from {@code object}, stable first.
     *
     * @param routable the names of the app's services the routers send traffic to
     * @throws InvalidInputException when a track's name would be longer than Kubernetes allows
     */
    public static List<ObjectNode> expand(ObjectNode object, Set<String> routable) {
        String kind = object.path("kind").asText();
        String apiVersion = object.path("apiVersion").asText();
        String name = object.path("metadata").path("name").asText();
        if (kind.equals("Deployment") && apiVersion.equals("apps/v1")) {
            ObjectNode stable = object.deepCopy();
            label(stable, Track.STABLE);
            mark(stable.with("spec").with("template").with("metadata").with("labels"), Track.STABLE);
            ObjectNode canary = object.deepCopy();
            canary.with("metadata").put("name", checked(name + CANARY_SUFFIX, object));
            label(canary, Track.CANARY);
            mark(canary.with("spec").with("selector").with("matchLabels"), Track.CANARY);
            mark(canary.with("spec").with("template").with("metadata").with("labels"), Track.CANARY);
            return List.of(stable, canary);
        }
        if (kind.equals("Service") && apiVersion.equals("v1") && routable.contains(name) && isRoutable(object)) {
            ObjectNode own = object.deepCopy();
            label(own, Track.STABLE);
            mark(own.with("spec").with("selector"), Track.STABLE);
            return List.of(own, nodePort(object, Track.STABLE), nodePort(object, Track.CANARY));
        }
        return List.of(object);
    }

    /** The track {@code object} belongs to; empty when both tracks share it. */
    public static Optional<Track> trackOf(ObjectNode object) {
        JsonNode value = object.path("metadata").path("labels").get(Track.LABEL);
        return value == null ? Optional.empty() : Track.ofLabel(value.asText());
    }

    /** What the stable track runs: its own objects and the shared ones. */
    public static List<ObjectNode> stable(List<ObjectNode> objects) {
        return objects.stream()
                .filter(o -> !trackOf(o).equals(Optional.of(Track.CANARY)))
                .toList();
    }

    /** What the canary track runs: its own objects and the shared ones. */
    public static List<ObjectNode> canary(List<ObjectNode> objects) {
        return objects.stream()
                .filter(o -> !trackOf(o).equals(Optional.of(Track.STABLE)))
                .toList();
    }

    /** The canary's own objects, which removing the canary deletes. */
    public static List<ObjectNode> canaryOwn(List<ObjectNode> objects) {
        return objects.stream()
                .filter(o -> trackOf(o).equals(Optional.of(Track.CANARY)))
                .toList();
    }

    /** The objects both tracks share. */
    public static List<ObjectNode> shared(List<ObjectNode> objects) {
        return objects.stream().filter(o -> trackOf(o).isEmpty()).toList();
    }

    /** Whether any object carries a track label (revisions recorded before a rollout was configured do not). */
    public static boolean tracked(List<ObjectNode> objects) {
        return objects.stream().anyMatch(o -> trackOf(o).isPresent());
    }

    private static boolean isRoutable(ObjectNode service) {
        JsonNode spec = service.path("spec");
        return spec.path("selector").size() > 0
                && spec.path("ports").size() > 0
                && !spec.path("type").asText().equals("ExternalName")
                && !spec.path("clusterIP").asText().equals("None");
    }

    private static ObjectNode nodePort(ObjectNode service, Track track) {
        String name = service.path("metadata").path("name").asText();
        ObjectNode copy = service.deepCopy();
        ObjectNode metadata = copy.with("metadata");
        metadata.put("name", checked(name + "-" + track.label(), service));
        metadata.with("labels").put(SERVICE_LABEL, name);
        label(copy, track);
        ObjectNode spec = copy.with("spec");
        spec.put("type", "NodePort");
        // Addresses and node ports are the API server's to assign for the new Service.
        for (String assigned : List.of("clusterIP", "clusterIPs", "loadBalancerIP", "externalTrafficPolicy")) {
            spec.remove(assigned);
        }
        mark(spec.with("selector"), track);
        if (spec.get("ports") instanceof ArrayNode ports) {
            for (JsonNode port : ports) {
                if (port instanceof ObjectNode p) {
                    p.remove("nodePort");
                }
            }
        }
        return copy;
    }

    private static void label(ObjectNode object, Track track) {
        mark(object.with("metadata").with("labels"), track);
    }

    private static void mark(ObjectNode labels, Track track) {
        labels.put(Track.LABEL, track.label());
    }

    private static String checked(String name, ObjectNode source) {
        if (name.length() > MAX_NAME) {
            throw new InvalidInputException(new Problem(
                    source.path("kind").asText() + " "
                            + source.path("metadata").path("name").asText(),
                    "the rollout's track object '" + name + "' would be longer than the " + MAX_NAME
                            + " characters Kubernetes allows",
                    "shorten the name to at most " + (MAX_NAME - CANARY_SUFFIX.length()) + " characters"));
        }
        return name;
    }
}
