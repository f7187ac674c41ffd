package platform.cpu.run;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import platform.cpu.internal.run.CpuRun;
import platform.cpu.internal.run.UserProcess;

/**
 * Test fixture for the cpu-run tests: host tools (gcc, musl-gcc, busybox), C test programs
 * compiled from src/test/resources/platform/cpu/run into target/cpu-run once, and runs of a
 * program natively and under the runner (in-process) with the same arguments and environment.
 *
 * <p>A missing tool fails the test under CI (CI=true), naming the Debian package that has it,
 * and skips it elsewhere.
 */
final class Tools {
    static final Path DIR = Path.of("target", "cpu-run");
    /** The environment every run gets, natively and emulated. */
    static final List<String> ENV = List.of("HOME=/home/kestrel", "PATH=/usr/bin:/bin", "LANG=C", "TERM=dumb");
    /** Enough for every test program; a runaway loop ends with status 124. */
    static final long MAX_INSTRUCTIONS = 4_000_000_000L;

    private Tools() {}

    /** What a run printed and how it ended. */
    record Run(byte[] stdout, byte[] stderr, int status, String message, long instructions) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        String err() {
            return new String(stderr, StandardCharsets.UTF_8);
        }
    }

    /** Fails (under CI) or skips (elsewhere) because {@code tool} from Debian package {@code pkg} is missing. */
    static void missing(String tool, String pkg) {
        String msg = tool + " is missing: install the Debian package " + pkg + " (apt-get install " + pkg + ")";
        if ("true".equals(System.getenv("CI"))) {
            fail(msg);
        }
        Assumptions.abort(msg);
    }

    /** The path of executable {@code name} on PATH, or null. */
    static Path which(String name) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** The compiler command for {@code cc} ("gcc" or "musl-gcc"), or a failure/skip naming its package. */
    static Path compiler(String cc) {
        Path p = which(cc);
        if (p == null) {
            missing(cc, cc.equals("musl-gcc") ? "musl-tools" : "gcc");
        }
        return p;
    }

    /**
     * The test program {@code name}.c compiled statically with {@code cc} at {@code opt}
     * ("-O0", "-O2") into target/cpu-run; compiled again only when the source changed.
     */
    static synchronized Path compile(String name, String cc, String opt) {
        Path compilerPath = compiler(cc);
        try {
            Path src = DIR.resolve("src").resolve(name + ".c");
            Files.createDirectories(src.getParent());
            byte[] text;
            try (InputStream in = Tools.class.getResourceAsStream("/platform/cpu/run/" + name + ".c")) {
                if (in == null) {
                    fail("test resource platform/cpu/run/" + name + ".c not found");
                }
                text = in.readAllBytes();
            }
            if (!Files.exists(src) || !Arrays.equals(Files.readAllBytes(src), text)) {
                Files.write(src, text);
            }
            Path bin = DIR.resolve("bin").resolve(name + "-" + cc + opt);
            Files.createDirectories(bin.getParent());
            if (Files.exists(bin) && Files.getLastModifiedTime(bin).compareTo(Files.getLastModifiedTime(src)) >= 0) {
                return bin;
            }
            List<String> cmd = List.of(compilerPath.toString(), "-static", opt, "-o", bin.toString(), src.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                Files.deleteIfExists(bin);
                fail("compiling " + name + ".c failed: " + String.join(" ", cmd) + "\n" + log);
            }
            return bin;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** /bin/busybox from busybox-static, or a failure/skip naming the package. */
    static Path busybox() {
        Path p = Path.of("/bin/busybox");
        if (!Files.isExecutable(p)) {
            missing("/bin/busybox", "busybox-static");
        }
        try {
            byte[] head = Files.readAllBytes(p);
            if (new String(head, StandardCharsets.ISO_8859_1).contains("/lib64/ld-linux-x86-64.so.2")) {
                missing("a static /bin/busybox (this one is dynamically linked)", "busybox-static");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** Runs {@code binary} natively with {@code args}, the fixed environment (in order) and no input. */
    static Run runNative(Path binary, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("/usr/bin/env"); // env -i gives the program exactly ENV, in order
        cmd.add("-i");
        cmd.addAll(ENV);
        cmd.add(binary.toString());
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                try {
                    p.getErrorStream().transferTo(err);
                } catch (IOException e) {
                    // short stderr shows in the comparison
                }
            });
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("native run of " + cmd + " timed out");
            }
            t.join();
            int status = p.exitValue();
            return new Run(out, err.toByteArray(), status, null, 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code binary} under the runner, in-process, with argv[0] = its path, {@code args} and the fixed environment. */
    static Run runEmulated(Path binary, List<String> args) {
        List<String> argv = new ArrayList<>();
        argv.add(binary.toString());
        argv.addAll(args);
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        CpuRun.Options o = new CpuRun.Options(binary, argv, ENV, 1L << 30, MAX_INSTRUCTIONS, false);
        UserProcess.Outcome r = CpuRun.exec(o, out, err);
        return new Run(out.toByteArray(), err.toByteArray(), r.status(), r.message(), r.instructions());
    }
}
