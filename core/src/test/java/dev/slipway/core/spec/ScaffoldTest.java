package dev.slipway.core.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.slipway.core.InvalidInputException;
import dev.slipway.core.TestApps;
import dev.slipway.core.render.Renderer;
import dev.slipway.core.render.Rendering;
import dev.slipway.core.render.SecretSource;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScaffoldTest {

    @Test
    void scaffoldedAppLoadsAndRendersForEveryDeclaredEnvironment(@TempDir Path dir) {
        Map<String, String> files = new LinkedHashMap<>();
        Scaffold.files("acme-web").forEach((path, text) -> files.put(path.toString(), text));
        TestApps.write(dir, files);

        App app = AppLoader.load(dir);
        Rendering production = new Renderer(SecretSource.REDACTED).render(app, "production", TestApps.threeClusters());
        Rendering staging = new Renderer(SecretSource.REDACTED).render(app, "staging", TestApps.threeClusters());

        assertThat(app.spec().app()).isEqualTo("acme-web");
        assertThat(production.clusters()).hasSize(3);
        assertThat(production.clusters().get(0).objects())
                .extracting(m -> m.ref().kind() + "/" + m.ref().name())
                .containsExactly(
                        "ConfigMap/acme-web-config", "Service/web", "Deployment/web", "PodDisruptionBudget/web");
        assertThat(staging.clusters().get(0).namespace()).isEqualTo("acme-web-staging");
    }

    @Test
    void scaffoldPointsEditorsAtTheSchema() {
        String spec = Scaffold.files("shop").get(Path.of("slipway.yaml"));

        assertThat(spec).startsWith("# yaml-language-server: $schema=" + SpecSchema.URL);
    }

    @Test
    void scaffoldRefusesAnInvalidAppName() {
        assertThatThrownBy(() -> Scaffold.files("My_App"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'My_App'")
                .hasMessageContaining("my-app");
    }
}
