package platform.pc.uart;

/** Helpers shared by the backends for the threads they own. */
final class BackendThreads {
    private BackendThreads() {}

    /** Interrupts {@code t} (if not null) and waits up to 2 s for it to end; keeps the caller's interrupt status. */
    static void stop(Thread t) {
        if (t == null) {
            return;
        }
        t.interrupt();
        try {
            t.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
