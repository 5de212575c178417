package dev.slipway.cli;

import picocli.CommandLine;

/** Reads the version from the jar manifest so {@code --version} needs no build-time code generation. */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = SlipwayCommand.class.getPackage().getImplementationVersion();
        return new String[] {"slipway " + (v == null ? "development build" : v)};
    }
}
