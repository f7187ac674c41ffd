package tests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.inject.Inject;
import kernel.core.Kernel;
import org.apache.felix.service.command.CommandProcessor;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The in-kernel self-tests (KUnit style) run in the booted default profile on a 2-vCPU machine
 * with 5 GiB (so all three memory zones exist), through the {@code selftest} shell command: the
 * output is TAP, every test passes, and the summary line adds up. The machine's clock is
 * deterministic, so the scheduler's timing tests (weights, tick latency, deadlines) measure
 * executed instructions, not this host's load.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SelfTestTest {
    private static final Pattern SUMMARY = Pattern.compile("(?m)^(\\d+) passed, (\\d+) failed$");

    @Inject
    private Kernel kernel;

    @Inject
    private CommandProcessor shell;

    private Shell session;

    @Configuration
    public Option[] config() throws Exception {
        return Kestrel.boot("default", Kestrel.DEFAULT, Map.of("kestrel.cpus", "2", "kestrel.memory", "5G",
                "kestrel.clock", "deterministic"));
    }

    @Before
    public void booted() throws InterruptedException {
        assertTrue("kernel did not finish booting", kernel.awaitBoot(Duration.ofSeconds(60)));
        session = new Shell(shell);
    }

    @After
    public void close() {
        session.close();
    }

    /** Runs {@code selftest ARGS}; checks the TAP plan, that every test passed, and returns the output. */
    private String selftest(String args) throws Exception {
        String out = session.sh("selftest " + args);
        List<String> lines = out.lines().toList();
        assertEquals(out, "TAP version 13", lines.get(0));
        int planned = Integer.parseInt(lines.get(1).substring(3));
        long ok = lines.stream().filter(l -> l.startsWith("ok ")).count();
        assertFalse(out, out.contains("not ok"));
        Matcher m = SUMMARY.matcher(out);
        assertTrue(out, m.find());
        assertEquals(out, planned, Integer.parseInt(m.group(1)));
        assertEquals(out, 0, Integer.parseInt(m.group(2)));
        assertEquals(out, planned, ok);
        assertTrue(out, planned > 0);
        return out;
    }

    @Test
    public void memorySuitesPass() throws Exception {
        String list = session.sh("selftest -l");
        for (String suite : List.of("mm.buddy", "mm.slab", "mm.vm")) {
            assertTrue(list, list.lines().anyMatch(suite::equals));
        }
        String out = selftest("mm");
        assertTrue(out, out.contains(" - mm.vm: "));
        String meminfo = session.sh("meminfo");
        Matcher normal = Pattern.compile("(?m)^NORMAL\\s+(\\d+)").matcher(meminfo);
        assertTrue(meminfo, normal.find());
        long kb = Long.parseLong(normal.group(1));
        assertTrue("RAM above 4 GiB (5G - 2.75G low) is zone NORMAL: " + meminfo, kb > 2_200_000 && kb <= 2_359_296);
    }

    @Test
    public void schedulerSuitesPass() throws Exception {
        String list = session.sh("selftest -l");
        for (String suite : List.of("sched.core", "sched.fair", "sched.rt", "sched.deadline", "sched.sync", "sched.smp")) {
            assertTrue(list, list.lines().anyMatch(suite::equals));
        }
        String out = selftest("sched");
        assertTrue(out, out.contains("nice"));
        String ps = session.sh("sched:ps");
        assertTrue(ps, ps.lines().findFirst().orElse("").contains("STATE"));
        String stat = session.sh("sched:stat");
        List<String> rows = stat.strip().lines().toList();
        assertTrue(stat, rows.get(0).contains("SWITCHES"));
        assertEquals(stat, 3, rows.size()); // header and one row per vCPU
        assertTrue(stat, rows.get(2).strip().startsWith("1 "));
    }

    @Test
    public void unknownSuiteIsAnError() throws Exception {
        try {
            session.sh("selftest nosuch");
            throw new AssertionError("selftest nosuch did not fail");
        } catch (IllegalArgumentException e) {
            assertEquals("no self-test suite 'nosuch'", e.getMessage());
        }
    }
}
