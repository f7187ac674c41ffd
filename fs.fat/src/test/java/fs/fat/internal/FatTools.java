package fs.fat.internal;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the host's dosfstools and mtools, the oracles of these tests. A missing tool skips the
 * test, except under CI (CI=true), where it fails it. Tools run with TZ=UTC (FAT stores local
 * time) and a UTF-8 locale (so mtools converts long names from and to UTF-8).
 */
final class FatTools {
    private FatTools() {}

    /** The result of a tool run. */
    record Result(int exitCode, String output) {}

    /** Runs {@code tool args...} and fails the test unless it exits with 0. */
    static String run(String tool, String... args) {
        Result r = tryRun(tool, args);
        if (r.exitCode() != 0) fail(tool + " " + String.join(" ", args) + " exited with " + r.exitCode() + ":\n" + r.output());
        return r.output();
    }

    /** Runs {@code tool args...}, returning its exit code and combined output. */
    static Result tryRun(String tool, String... args) {
        List<String> command = new ArrayList<>();
        command.add(locate(tool).toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("TZ", "UTC");
        pb.environment().put("LC_ALL", "C.UTF-8");
        pb.environment().put("MTOOLS_SKIP_CHECK", "1");
        try {
            Process p = pb.start();
            p.getOutputStream().close(); // a tool that asks a question gets EOF, not a hang
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(p.waitFor(), out);
        } catch (IOException e) {
            return fail("cannot run " + tool, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted running " + tool);
        }
    }

    /** The tool's path on PATH or in the sbin directories, where dosfstools lives. */
    static Path locate(String tool) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) return p;
        }
        String why = tool + " is not installed (dosfstools and mtools are needed)";
        if ("true".equals(System.getenv("CI"))) fail(why);
        Assumptions.abort(why);
        return null;
    }
}
