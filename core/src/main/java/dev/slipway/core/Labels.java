package dev.slipway.core;

/**
 * Label and annotation keys Slipway reads and writes. Kubernetes' recommended {@code app.kubernetes.io/*}
 * labels say what an object is; {@code slipway.dev/*} keys say what Slipway does with it.
 */
public final class Labels {
    private Labels() {}

    public static final String NAME = "app.kubernetes.io/name";
    public static final String INSTANCE = "app.kubernetes.io/instance";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String PART_OF = "app.kubernetes.io/part-of";
    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY_SLIPWAY = "slipway";

    /** Ownership labels; prune only ever touches objects carrying both. */
    public static final String APP = "slipway.dev/app";

    public static final String ENV = "slipway.dev/env";

    /** Annotations users write in manifests; stripped before apply. */
    public static final String CLUSTERS_ANNOTATION = "slipway.dev/clusters";

    public static final String OVERRIDE_ANNOTATION_PREFIX = "slipway.dev/override.";
    public static final String WAVE_ANNOTATION = "slipway.dev/wave";

    /** Field manager for server-side apply. */
    public static final String FIELD_MANAGER = "slipway";

    /**
     * The namespace of what Slipway keeps on a cluster for every app at once: environment-wide freezes and the
     * freeze windows file.
     */
    public static final String SYSTEM_NAMESPACE = "slipway-system";
}
