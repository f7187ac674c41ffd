package platform.cpu.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Test fixture: collects one line per end-to-end run (passed, or what stopped it, e.g. the
 * bytes of an instruction that raised #UD) and writes the list to target/cpu-run/NAME.txt and
 * stdout, so the instructions and system calls still missing can be read off in one place.
 */
final class Report {
    private final String name;
    private final Map<String, String> lines = new TreeMap<>();

    Report(String name) {
        this.name = name;
    }

    synchronized void add(String test, String result) {
        lines.put(test, result);
    }

    /** A one-line verdict comparing an emulated run with the native one. */
    static String verdict(Tools.Run nat, Tools.Run emu) {
        if (emu.message() != null) {
            return emu.message();
        }
        if (emu.status() != nat.status()) {
            return "exit status " + emu.status() + ", native " + nat.status();
        }
        if (!java.util.Arrays.equals(emu.stdout(), nat.stdout())) {
            return "stdout differs: " + firstDifference(nat.out(), emu.out());
        }
        return String.format("ok (%d instructions)", emu.instructions());
    }

    /** The first line where {@code want} and {@code got} differ, shown both ways. */
    static String firstDifference(String want, String got) {
        String[] a = want.split("\n", -1), b = got.split("\n", -1);
        for (int k = 0; k < Math.max(a.length, b.length); k++) {
            String x = k < a.length ? a[k] : "<end>", y = k < b.length ? b[k] : "<end>";
            if (!x.equals(y)) {
                return "line " + (k + 1) + ": native \"" + x + "\", emulated \"" + y + "\"";
            }
        }
        return "(same lines)";
    }

    synchronized void write() {
        List<String> out = new ArrayList<>();
        lines.forEach((k, v) -> out.add(String.format("%-40s %s", k, v)));
        try {
            Files.createDirectories(Tools.DIR);
            Files.write(Tools.DIR.resolve(name + ".txt"), out);
        } catch (IOException e) {
            // the report is a convenience
        }
        System.out.println("cpu-run " + name + ":");
        out.forEach(l -> System.out.println("  " + l));
    }
}
