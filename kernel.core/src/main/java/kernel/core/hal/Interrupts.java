package kernel.core.hal;

import java.util.List;

/** The kernel's interrupt vectors: allocation, handlers and statistics. */
public interface Interrupts {
    /** One row of {@code /proc/interrupts}. */
    record Line(int vector, int cpu, String name, String owner, long count) {}

    /**
     * Allocates a free device vector (0x30..0xEF) on a CPU and installs {@code handler}.
     *
     * @param name shown in statistics, e.g. {@code "virtio-blk vda"}
     * @throws IllegalStateException if no vector is free
     */
    IrqVector allocate(String name, IrqHandler handler);

    /** Every installed handler. */
    List<Line> lines();
}
