package dev.slipway.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.StringLength;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

class SecretStoreRoundTripTest {
    private static Path dir;
    private static SecretStore store;

    @BeforeContainer
    static void createStore() throws IOException {
        dir = Files.createTempDirectory("slipway-secrets-prop");
        store = SecretStore.at(dir.resolve("store"), dir.resolve("key"));
    }

    @AfterContainer
    static void deleteStore() throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Property(tries = 200)
    void anyUnicodeValueRoundTripsAndIsNeverStoredInClear(
            @ForAll @AlphaChars @StringLength(min = 1, max = 40) String suffix, @ForAll String value)
            throws IOException {
        String name = "S_" + suffix;
        store.set("prop-app", name, value);

        assertThat(store.values("prop-app", List.of(name))).containsEntry(name, value);
        if (value.length() >= 6) {
            assertThat(Files.readString(store.storeFile("prop-app"), StandardCharsets.UTF_8))
                    .doesNotContain(value);
        }
    }
}
