package kernel.core.selftest;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class SelfTestRunnerTest {
    static SelfTestSuite suite(String name, SelfTest... tests) {
        return new SelfTestSuite() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<SelfTest> tests() {
                return List.of(tests);
            }
        };
    }

    @Test
    void printsTapWithASummaryAndKeepsGoingAfterFailures() {
        SelfTestSuite a = suite("mm.a", new SelfTest("passes", () -> Check.equal(2, 1 + 1, "sum")),
                new SelfTest("fails", () -> Check.equal(3, 1 + 1, "sum")));
        SelfTestSuite b = suite("sched.b", new SelfTest("throws", () -> {
            throw new IllegalStateException("boom");
        }), new SelfTest("passes too", () -> Check.isTrue(true, "yes")));
        StringBuilder out = new StringBuilder();
        var r = SelfTestRunner.run(List.of(b, a), List.of(), out);
        assertEquals(new SelfTestRunner.Result(2, 2), r);
        String[] lines = out.toString().split("\n");
        assertEquals("TAP version 13", lines[0]);
        assertEquals("1..4", lines[1]);
        assertEquals("ok 1 - mm.a: passes", lines[2]);
        assertEquals("not ok 2 - mm.a: fails", lines[3]);
        assertEquals("  # AssertionError: sum: expected 3, got 2", lines[4]);
        assertTrue(lines[5].startsWith("  # at "), lines[5]);
        assertEquals("not ok 3 - sched.b: throws", lines[6]);
        assertEquals("  # IllegalStateException: boom", lines[7]);
        assertEquals("ok 4 - sched.b: passes too", lines[9]);
        assertEquals("2 passed, 2 failed", lines[10]);
    }

    @Test
    void selectsByNameOrPrefixAndRefusesUnknownNames() {
        SelfTestSuite a = suite("mm.a"), b = suite("mm.b"), c = suite("mmx"), d = suite("sched");
        assertEquals(List.of(a, b), SelfTestRunner.select(List.of(d, c, b, a), List.of("mm")));
        assertEquals(List.of(d), SelfTestRunner.select(List.of(d, c, b, a), List.of("sched")));
        assertEquals(List.of(a, b, c, d), SelfTestRunner.select(List.of(d, c, b, a), List.of()));
        var e = assertThrows(IllegalArgumentException.class, () -> SelfTestRunner.select(List.of(a), List.of("nope")));
        assertEquals("no self-test suite 'nope'", e.getMessage());
    }

    @Test
    void aHangingTestTimesOut() {
        SelfTestSuite s = suite("slow", new SelfTest("sleeps", () -> Thread.sleep(60_000)));
        StringBuilder out = new StringBuilder();
        var r = SelfTestRunner.run(List.of(s), out, Duration.ofMillis(100));
        assertEquals(1, r.failed());
        assertTrue(out.toString().contains("not ok 1 - slow: sleeps\n  # timeout"), out.toString());
    }

    @Test
    void checksSayWhatWasExpected() {
        assertEquals("x: expected within [1.0, 2.0], got 3.0",
                assertThrows(AssertionError.class, () -> Check.within(1, 2, 3, "x")).getMessage());
        assertEquals("f: expected IllegalStateException, nothing was thrown",
                assertThrows(AssertionError.class, () -> Check.fails(IllegalStateException.class, () -> { }, "f")).getMessage());
        assertNotNull(Check.fails(IllegalStateException.class, () -> {
            throw new IllegalStateException();
        }, "f"));
    }
}
