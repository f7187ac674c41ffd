package kernel.core.selftest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs self-test suites and reports in TAP (the Test Anything Protocol, as KUnit prints it):
 *
 * <pre>
 * TAP version 13
 * 1..3
 * ok 1 - mm.buddy: alloc and free of every order
 * not ok 2 - mm.buddy: coalesces back
 *   # AssertionError: free pages: expected 1024, got 1023
 * ok 3 - sched.fair: nice 0 and nice 5 share a CPU by weight
 * 2 passed, 1 failed
 * </pre>
 *
 * <p>Each test runs on a thread of its own ({@code selftest-N}) with a time limit; a test that
 * overruns it is reported {@code not ok ... # timeout} and left running (it is interrupted).
 * A failing or throwing test never stops the run.
 */
public final class SelfTestRunner {
    /** Per-test time limit of {@link #run(List, List, Appendable)}. */
    public static final Duration TIMEOUT = Duration.ofSeconds(120);

    /** How a run ended. */
    public record Result(int passed, int failed) {
    }

    private SelfTestRunner() {
    }

    /**
     * The suites {@code filters} select, by name: a filter {@code mm} picks {@code mm} and
     * {@code mm.*}; no filters pick all. Sorted by name.
     *
     * @throws IllegalArgumentException naming a filter that matches no suite
     */
    public static List<SelfTestSuite> select(List<SelfTestSuite> all, List<String> filters) {
        List<SelfTestSuite> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.comparing(SelfTestSuite::name));
        if (filters.isEmpty()) {
            return sorted;
        }
        List<SelfTestSuite> out = new ArrayList<>();
        for (String f : filters) {
            boolean any = false;
            for (SelfTestSuite s : sorted) {
                if (s.name().equals(f) || s.name().startsWith(f + ".")) {
                    any = true;
                    if (!out.contains(s)) {
                        out.add(s);
                    }
                }
            }
            if (!any) {
                throw new IllegalArgumentException("no self-test suite '" + f + "'");
            }
        }
        return out;
    }

    /** Runs {@code suites} (selected by {@code filters}, see {@link #select}), printing TAP to {@code out}. */
    public static Result run(List<SelfTestSuite> suites, List<String> filters, Appendable out) {
        return run(select(suites, filters), out, TIMEOUT);
    }

    /** Runs every test of {@code suites} in order with the given per-test time limit. */
    public static Result run(List<SelfTestSuite> suites, Appendable out, Duration timeout) {
        record Named(String name, SelfTest test) {
        }
        List<Named> tests = new ArrayList<>();
        for (SelfTestSuite s : suites) {
            for (SelfTest t : s.tests()) {
                tests.add(new Named(s.name() + ": " + t.name(), t));
            }
        }
        int passed = 0;
        int failed = 0;
        try {
            out.append("TAP version 13\n1..").append(String.valueOf(tests.size())).append('\n');
            for (int i = 0; i < tests.size(); i++) {
                Named n = tests.get(i);
                String failure = runOne(n.test(), i + 1, timeout);
                if (failure == null) {
                    passed++;
                    out.append("ok ").append(String.valueOf(i + 1)).append(" - ").append(n.name()).append('\n');
                } else {
                    failed++;
                    out.append("not ok ").append(String.valueOf(i + 1)).append(" - ").append(n.name()).append('\n');
                    for (String line : failure.split("\n")) {
                        out.append("  # ").append(line).append('\n');
                    }
                }
            }
            out.append(String.valueOf(passed)).append(" passed, ").append(String.valueOf(failed)).append(" failed\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Result(passed, failed);
    }

    /** Runs one test; null if it passed, else why it failed. */
    private static String runOne(SelfTest t, int number, Duration timeout) {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread th = Thread.ofPlatform().daemon().name("selftest-" + number).start(() -> {
            try {
                t.body().run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        try {
            th.join(timeout);
        } catch (InterruptedException e) {
            th.interrupt();
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        if (th.isAlive()) {
            th.interrupt();
            return "timeout after " + timeout.toSeconds() + " s";
        }
        Throwable e = thrown.get();
        if (e == null) {
            return null;
        }
        String msg = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        StackTraceElement[] st = e.getStackTrace();
        return st.length == 0 ? msg : msg + "\nat " + st[0];
    }
}
