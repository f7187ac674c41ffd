package platform.cpu.internal.x87;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * The host x87 as a test oracle: compiles f80oracle.c (a test resource)
 * with gcc into target/ once per JVM and runs batches of cases through it.
 * See f80oracle.c for the line protocol.
 */
final class F80Oracle {
    private static Path binary;

    private F80Oracle() {
    }

    /** The compiled oracle; fails the test when gcc is missing, skips it on a non-x86-64 host. */
    static synchronized Path binary() {
        if (binary != null) {
            return binary;
        }
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        Assumptions.assumeTrue(arch.equals("amd64") || arch.equals("x86_64"),
                "the x87 oracle needs an x86-64 host (os.arch=" + arch + ")");
        try {
            Path dir = Path.of("target");
            if (!Files.isDirectory(dir)) {
                dir = Files.createTempDirectory("f80oracle");
            }
            Path src = dir.resolve("f80oracle.c");
            try (InputStream in = F80Oracle.class.getResourceAsStream("f80oracle.c")) {
                if (in == null) {
                    fail("test resource platform/cpu/internal/x87/f80oracle.c not found");
                }
                Files.copy(in, src, StandardCopyOption.REPLACE_EXISTING);
            }
            Path exe = dir.resolve("f80oracle");
            List<String> cmd = List.of("gcc", "-O1", "-o", exe.toString(), src.toString());
            Process p;
            try {
                p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            } catch (IOException e) {
                if ("true".equals(System.getenv("CI"))) {
                    fail("gcc is required by the x87 differential tests and is missing on this CI machine ("
                            + e.getMessage() + "); add it to the image with `apt-get install gcc`");
                }
                fail("gcc not found (" + e.getMessage() + "); the x87 differential tests compile a small C "
                        + "oracle: install it with `apt-get install gcc`");
                return null;
            }
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                fail("compiling f80oracle.c failed: " + String.join(" ", cmd) + "\n" + log);
            }
            binary = exe;
            return exe;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs all input lines through one oracle process and returns its output lines. */
    static List<String> run(String input, int lines) {
        Path exe = binary();
        try {
            Process p = new ProcessBuilder(exe.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Thread writer = Thread.ofPlatform().daemon().start(() -> {
                try (OutputStream out = p.getOutputStream()) {
                    out.write(input.getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the reader below reports the short output
                }
            });
            List<String> out = new ArrayList<>(lines);
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII), 1 << 16)) {
                for (String s; (s = r.readLine()) != null;) {
                    out.add(s);
                }
            }
            writer.join();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                fail("f80oracle exited abnormally (" + (p.isAlive() ? "timeout" : "status " + p.exitValue()) + ")");
            }
            if (out.size() != lines) {
                fail("f80oracle answered " + out.size() + " lines for " + lines + " cases");
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
