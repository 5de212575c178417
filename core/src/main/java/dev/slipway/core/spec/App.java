package dev.slipway.core.spec;

import dev.slipway.core.manifest.Manifest;
import java.nio.file.Path;
import java.util.List;

/**
 * A loaded app directory: its spec and the manifests it declares (before per-cluster rendering; the
 * {@code slipway.dev/*} annotations are still on them).
 *
 * @param directory the app directory
 * @param spec what slipway.yaml says
 * @param manifests objects from the manifests folder, in file order
 */
public record App(Path directory, AppSpec spec, List<Manifest> manifests) {
    public App {
        manifests = List.copyOf(manifests);
    }
}
