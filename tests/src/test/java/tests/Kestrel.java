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
        if (!machine.containsKey("kestrel.memory")) {
            o.add(frameworkProperty("kestrel.memory").value("128M"));
        }
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
     * Makes {@code work()/name}: a fresh 40 MiB FAT32 image (mkfs.fat, volume label
     * {@code label}) holding {@code hello.txt} with the text {@code hello} (mcopy).
     */
    static Path fatImage(String name, String label, String hello) throws IOException, InterruptedException {
        Path img = work().resolve(name);
        Files.deleteIfExists(img);
        Path text = work().resolve(name + ".hello.txt");
        Files.writeString(text, hello);
        run("mkfs.fat", "-C", "-F", "32", "-n", label, img.toString(), "40960");
        run("mcopy", "-i", img.toString(), text.toString(), "::hello.txt");
        return img;
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

    /** A TCP port free on the loopback interface now (for {@code kestrel.monitor}). */
    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * Sends one command to the machine monitor served at {@code spec} ({@code tcp:PORT}, the
     * {@code kestrel.monitor} property) and returns its reply without the prompt.
     */
    static String monitor(String spec, String command) throws IOException {
        int port = Integer.parseInt(spec.substring(4));
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            var o = s.getOutputStream();
            o.write((command + "\nquit\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            o.flush();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8));
            in.readLine(); // banner
            StringBuilder reply = new StringBuilder();
            for (String line; (line = in.readLine()) != null; ) {
                reply.append(line.replace("(kestrel) ", "")).append('\n');
            }
            return reply.toString().strip();
        }
    }

    /** A condition {@link #await} polls. */
    interface Condition {
        boolean ok() throws Exception;
    }

    /** Polls {@code cond} every 10 ms until it holds; fails the test after 20 s, naming {@code what}. */
    static void await(String what, Condition cond) throws Exception {
        long end = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
        while (!cond.ok()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }
}
