package tests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.ops4j.pax.exam.Option;

/**
 * Pax Exam configuration for booting a Kestrel profile in the Felix native container, and the
 * external tools the tests use to make real disk images.
 *
 * <p>The bundle sets mirror {@code distro/minimal.bndrun} and {@code distro/default.bndrun};
 * {@link ProfilesMatchBndrunTest} checks that they stay the same.
 */
final class Kestrel {
    /** Bundles of the minimal profile (system property names holding their paths). */
    static final List<String> MINIMAL = List.of(
            "b.slf4j", "b.kernel.log", "b.component", "b.promise", "b.function", "b.felix.scr",
            "b.gogo.runtime", "b.gogo.command", "b.platform.cpu", "b.platform.pc", "b.platform.devices",
            "b.kernel.core", "b.kernel.mm", "b.kernel.sched", "b.fkx.loader");

    /** The default profile: minimal plus the fused driver and filesystem modules. */
    static final List<String> DEFAULT = concat(MINIMAL, List.of(
            "b.kernel.block", "b.drivers.pci", "b.drivers.virtio", "b.drivers.virtio.blk", "b.fs.vfs", "b.fs.fat"));

    private Kestrel() {}

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }

    /** Options that boot {@code bundles} with the given disks attached (vda, vdb, ...). */
    static Option[] boot(String profile, List<String> bundles, Path... disks) {
        return boot(profile, bundles, Map.of(), disks);
    }

    /** Same, with more machine options as framework properties ({@code kestrel.hotplug.slots} ...). */
    static Option[] boot(String profile, List<String> bundles, Map<String, String> machine, Path... disks) {
        List<Option> o = new ArrayList<>();
        machine.forEach((k, v) -> o.add(frameworkProperty(k).value(v)));
        o.add(cleanCaches());
        o.add(junitBundles());
        o.add(frameworkProperty("kestrel.profile").value(profile));
        o.add(frameworkProperty("kestrel.modules").value(System.getProperty("kestrel.test.modules")));
        o.add(frameworkProperty("kestrel.console").value("false"));
        o.add(frameworkProperty("kestrel.memory").value("128M"));
        for (int i = 0; i < disks.length; i++) {
            o.add(frameworkProperty("kestrel.disk." + i).value(disks[i].toString()));
        }
        o.add(systemProperty("org.ops4j.pax.url.mvn.localRepository").value(System.getProperty("kestrel.test.repo")));
        o.add(systemProperty("org.ops4j.pax.url.mvn.offline").value("true"));
        for (String b : bundles) {
            String path = System.getProperty(b);
            if (path == null || !new File(path).isFile()) {
                throw new IllegalStateException("bundle " + b + " not found: " + path + " (run the tests through Maven)");
            }
            var opt = bundle(new File(path).toURI().toString());
            o.add(b.equals("b.kernel.log") ? opt.noStart() : opt); // a fragment is never started
        }
        return o.toArray(new Option[0]);
    }

    /** Working directory of the tests (target/work). */
    static Path work() throws IOException {
        Path w = Path.of(System.getProperty("kestrel.test.work", "target/work"));
        Files.createDirectories(w);
        return w;
    }

    /**
     * Runs an external tool. Under CI (CI=true) a missing tool is a failure; elsewhere too,
     * since these tests cannot run without it: the message says what to install.
     */
    static void run(String... cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException(cmd[0] + " is not installed (apt-get install dosfstools mtools): " + e.getMessage(), e);
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
