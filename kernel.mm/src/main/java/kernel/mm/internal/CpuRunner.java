package kernel.mm.internal;

import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kernel.core.hal.Hal;

/**
 * Where the mm self-tests run code "on vCPU n": in the booted kernel, on the machine's vCPU
 * threads ({@link #of(Hal)}); under JUnit, a simulation that sets the index the allocator sees.
 */
public interface CpuRunner {
    /** Number of vCPUs (0: none; per-CPU cache tests are skipped). */
    int cpus();

    /** The calling thread's vCPU index, or -1: what the allocator under test uses. */
    int current();

    /** Runs {@code task} on vCPU {@code cpu} and returns its result. */
    <T> T on(int cpu, Callable<T> task) throws Exception;

    /** The booted machine's vCPUs; a task that does not run within 10 s fails. */
    static CpuRunner of(Hal hal) {
        return new CpuRunner() {
            @Override
            public int cpus() {
                return hal.vcpus().size();
            }

            @Override
            public int current() {
                return hal.currentCpu();
            }

            @Override
            public <T> T on(int cpu, Callable<T> task) throws Exception {
                platform.pc.Vcpu v = hal.vcpus().get(cpu);
                if (v.onVcpuThread()) {
                    return task.call();
                }
                FutureTask<T> f = new FutureTask<>(task);
                v.execute(f);
                try {
                    return f.get(10, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    f.cancel(true);
                    throw new AssertionError("vCPU " + cpu + " did not run the test step within 10 s");
                } catch (java.util.concurrent.ExecutionException e) {
                    if (e.getCause() instanceof Exception x) {
                        throw x;
                    }
                    if (e.getCause() instanceof Error x) {
                        throw x;
                    }
                    throw e;
                }
            }
        };
    }

    /** A simulation for tests: {@code on(n, task)} runs the task on the calling thread as vCPU n. */
    static CpuRunner simulated(int cpus) {
        ThreadLocal<Integer> current = ThreadLocal.withInitial(() -> -1);
        return new CpuRunner() {
            @Override
            public int cpus() {
                return cpus;
            }

            @Override
            public int current() {
                return current.get();
            }

            @Override
            public <T> T on(int cpu, Callable<T> task) throws Exception {
                int was = current.get();
                current.set(cpu);
                try {
                    return task.call();
                } finally {
                    current.set(was);
                }
            }
        };
    }
}
