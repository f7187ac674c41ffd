package kernel.core.selftest;

import java.util.Objects;

/**
 * Assertions for self-test bodies ({@code KUNIT_EXPECT_*}): each throws an {@link AssertionError}
 * whose message says what was expected.
 */
public final class Check {
    private Check() {
    }

    public static void isTrue(boolean condition, String what) {
        if (!condition) {
            throw new AssertionError(what);
        }
    }

    public static void isFalse(boolean condition, String what) {
        isTrue(!condition, what);
    }

    public static void equal(Object expected, Object actual, String what) {
        if (!Objects.equals(expected, actual)) {
            throw new AssertionError(what + ": expected " + expected + ", got " + actual);
        }
    }

    public static void equal(long expected, long actual, String what) {
        if (expected != actual) {
            throw new AssertionError(what + ": expected " + expected + ", got " + actual);
        }
    }

    /** {@code actual} lies in {@code [low, high]}. */
    public static void within(double low, double high, double actual, String what) {
        if (!(actual >= low && actual <= high)) {
            throw new AssertionError(what + ": expected within [" + low + ", " + high + "], got " + actual);
        }
    }

    /** {@code body} throws an exception of type {@code type}; returns it. */
    public static <T extends Throwable> T fails(Class<T> type, SelfTest.Body body, String what) {
        try {
            body.run();
        } catch (Throwable t) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
            throw new AssertionError(what + ": expected " + type.getSimpleName() + ", got " + t, t);
        }
        throw new AssertionError(what + ": expected " + type.getSimpleName() + ", nothing was thrown");
    }
}
