package kernel.core.selftest;

/**
 * One self-test: a name and a body that returns normally when the test passes and throws
 * (an {@link AssertionError} from {@link Check}, or any exception) when it fails.
 *
 * @param name what the test checks, e.g. {@code "freeing everything coalesces to the initial free lists"}
 * @param body the test
 */
public record SelfTest(String name, Body body) {
    /** A test body. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    public SelfTest {
        if (name == null || name.isBlank() || body == null) {
            throw new IllegalArgumentException("a self-test needs a name and a body");
        }
    }
}
