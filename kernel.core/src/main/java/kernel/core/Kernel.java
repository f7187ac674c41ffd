package kernel.core;

import java.time.Duration;

/** The running kernel: identity, uptime and the boot milestone. An OSGi service of kernel.core. */
public interface Kernel {
    /** Kernel release, e.g. {@code 0.1.0}. */
    String version();

    /** Nanoseconds since the kernel started booting. */
    long uptimeNanos();

    /**
     * Marks the end of boot: every fused module has been started. Called once by the module
     * loader; the console starts taking commands after this.
     */
    void bootCompleted();

    /**
     * Waits until {@link #bootCompleted()} has been called.
     *
     * @return true if boot completed within {@code timeout}
     */
    boolean awaitBoot(Duration timeout) throws InterruptedException;

    /**
     * Stops the kernel: unmounts, stops modules in reverse order and powers the machine off.
     * Returns at once; the shutdown runs on its own thread.
     */
    void shutdown();
}
