package dev.slipway.core.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** Lab namespaces are always valid Kubernetes names, readable when they can be, unique when they must be. */
class LabNamesTest {

    private static final String RFC_1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    @Test
    void aBranchBecomesAReadableNamespace() {
        assertThat(LabNames.forBranch("shop", "Feature/Login_Page", ns -> false).namespace())
                .isEqualTo("shop-lab-feature-login-page");
    }

    @Test
    void aNamespaceAnotherBranchHoldsGetsAHashSuffix() {
        LabNames.LabName first = LabNames.forBranch("shop", "feature/login", ns -> false);
        LabNames.LabName second = LabNames.forBranch("shop", "feature-login", ns -> ns.equals(first.namespace()));

        assertThat(second.namespace()).startsWith("shop-lab-feature-login-").isNotEqualTo(first.namespace());
        assertThat(second.namespace()).matches(RFC_1123_LABEL);
    }

    @Test
    void anOverlongBranchIsCutAndHashedToSixtyThreeCharacters() {
        String branch = "feature/" + "very-long-description-of-the-change-".repeat(4);
        LabNames.LabName a = LabNames.forBranch("shop", branch, ns -> false);
        LabNames.LabName b = LabNames.forBranch("shop", branch + "2", ns -> false);

        assertThat(a.namespace()).hasSizeLessThanOrEqualTo(63).matches(RFC_1123_LABEL);
        assertThat(a.namespace()).isNotEqualTo(b.namespace());
    }

    @Test
    void branchNamesGitRefusesAreRejectedWithAReason() {
        for (String bad : Set.of("", " ", "a..b", "-x", "x/", "x.lock", "a b", "a~1", "a:b", "x@{1}", "___")) {
            assertThat(LabNames.invalidBranch(bad)).as(bad).isPresent();
        }
        assertThat(LabNames.invalidBranch("dependabot/npm_and_yarn/lodash-4.17.21"))
                .isEmpty();
    }

    @Property(tries = 500)
    void everyAcceptedBranchGetsAValidNamespace(
            @ForAll("apps") String app, @ForAll @StringLength(max = 120) String branch) {
        if (LabNames.invalidBranch(branch).isPresent()) {
            return;
        }
        String plain = LabNames.forBranch(app, branch, ns -> false).namespace();
        String hashed = LabNames.forBranch(app, branch, ns -> true).namespace();

        assertThat(plain).hasSizeLessThanOrEqualTo(63).matches(RFC_1123_LABEL);
        assertThat(hashed).hasSizeLessThanOrEqualTo(63).matches(RFC_1123_LABEL);
    }

    @Provide
    Arbitrary<String> apps() {
        return Arbitraries.strings()
                .withChars("abcdefghijklmnopqrstuvwxyz0123456789-")
                .ofMinLength(1)
                .ofMaxLength(63)
                .filter(s -> s.matches(RFC_1123_LABEL));
    }
}
