package kernel.sched.internal;

import java.util.List;
import kernel.sched.SchedParams;
import kernel.sched.Scheduler;
import kernel.sched.Task;

/** The text of {@code sched:ps} and {@code sched:stat}. */
final class Format {
    private Format() {
    }

    static String ps(List<Task> tasks) {
        StringBuilder sb = new StringBuilder(String.format("%5s %-24s %-9s %-8s %5s %4s %12s", "ID", "NAME", "STATE", "CLASS", "PRI", "CPU", "RUNTIME(us)"));
        for (Task t : tasks) {
            SchedParams p = t.params();
            String pri = switch (p.policy()) {
                case FIFO, RR -> Integer.toString(p.priority());
                case NORMAL -> "n" + p.nice();
                case DEADLINE -> "dl";
                case IDLE -> "-";
            };
            if (t.effectivePrio() != p.prio()) {
                pri += "*" + (99 - t.effectivePrio()); // boosted by priority inheritance
            }
            sb.append('\n').append(String.format("%5d %-24s %-9s %-8s %5s %4s %12d", t.id(), clip(t.name(), 24), t.state(),
                    p.policy(), pri, t.cpu() < 0 ? "-" : Integer.toString(t.cpu()), t.runtime() / 1000));
        }
        return sb.toString();
    }

    static String stat(Scheduler s) {
        StringBuilder sb = new StringBuilder(String.format("%3s %6s %10s %10s %14s %14s %10s %10s %10s  %s", "CPU", "QUEUED", "SWITCHES",
                "DIRECT", "RUNTIME(us)", "IDLE(us)", "MIGRATED", "TICKS", "PREEMPTED", "CURRENT"));
        for (Scheduler.CpuStat c : s.stats()) {
            sb.append('\n').append(String.format("%3d %6d %10d %10d %14d %14d %10d %10d %10d  %s", c.cpu(), c.queued(), c.switches(),
                    c.directSwitches(), c.runtimeNanos() / 1000, c.idleNanos() / 1000, c.migrations(), c.ticks(), c.preemptions(), c.current()));
        }
        return sb.toString();
    }

    private static String clip(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "~";
    }
}
