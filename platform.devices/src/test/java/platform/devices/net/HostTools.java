package platform.devices.net;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds host tools the tests use as oracles. A missing tool fails the test with the Debian
 * package to install (under CI=true and elsewhere alike: a skipped oracle proves nothing).
 */
final class HostTools {
    private HostTools() {
    }

    static String require(String tool, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        String ci = "true".equals(System.getenv("CI")) ? " (CI must install it)" : "";
        return fail(tool + " not found on PATH: install the Debian package '" + debianPackage + "'" + ci);
    }
}
