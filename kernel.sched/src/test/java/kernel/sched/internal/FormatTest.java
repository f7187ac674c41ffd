package kernel.sched.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import kernel.core.hal.MachineHal;
import kernel.sched.Completion;
import kernel.sched.SchedParams;
import kernel.sched.Scheduler;
import kernel.sched.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import platform.pc.Machine;
import platform.pc.time.VirtualClock;

/** {@code sched:ps} and {@code sched:stat} on a live scheduler. */
@Timeout(60)
class FormatTest {
    @Test
    void psAndStatShowTasksAndCpus() throws Exception {
        try (Machine m = Machine.builder().memory(32L << 20).cpus(2).clock(VirtualClock.deterministic()).build().powerOn()) {
            MachineHal hal = new MachineHal(m);
            hal.start();
            try (Scheduler s = new Scheduler(hal, SchedSuitesTest.config())) {
                s.start();
                Completion gate = new Completion();
                Task a = s.spawn("waiter", SchedParams.fifo(42), gate::await);
                Task b = s.spawn("nice-waiter", SchedParams.normal(7), 0b10, gate::await);
                // blocked, and given their vCPUs back (BLOCKED is set just before the hand-back)
                for (int i = 0; i < 1000 && (a.state() != Task.State.BLOCKED || b.state() != Task.State.BLOCKED
                        || !s.stats().stream().allMatch(c -> c.current().equals("-"))); i++) {
                    Thread.sleep(2);
                }
                String ps = Format.ps(s.tasks());
                List<String> lines = ps.lines().toList();
                assertEquals(3, lines.size(), ps);
                assertTrue(lines.get(0).matches("\\s*ID\\s+NAME\\s+STATE\\s+CLASS\\s+PRI\\s+CPU\\s+RUNTIME\\(us\\)"), lines.get(0));
                assertTrue(lines.get(1).matches("\\s*" + a.id() + "\\s+waiter\\s+BLOCKED\\s+FIFO\\s+42\\s+\\d\\s+\\d+"), lines.get(1));
                assertTrue(lines.get(2).matches("\\s*" + b.id() + "\\s+nice-waiter\\s+BLOCKED\\s+NORMAL\\s+n7\\s+1\\s+\\d+"), lines.get(2));
                String stat = Format.stat(s);
                List<String> sl = stat.lines().toList();
                assertEquals(3, sl.size(), stat);
                assertTrue(sl.get(0).contains("QUEUED") && sl.get(0).contains("SWITCHES") && sl.get(0).contains("DIRECT") && sl.get(0).contains("MIGRATED")
                        && sl.get(0).contains("IDLE(us)") && sl.get(0).contains("RUNTIME(us)"), sl.get(0));
                assertTrue(sl.get(2).matches("\\s*1\\s+0\\s+[1-9]\\d*\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d+\\s+-"), sl.get(2));
                gate.complete();
                a.join();
                b.join();
            } finally {
                hal.stop();
            }
        }
    }
}
