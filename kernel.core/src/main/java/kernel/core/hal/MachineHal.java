package kernel.core.hal;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import platform.pc.BootInfo;
import platform.pc.Machine;
import platform.pc.MemoryRegion;
import platform.pc.PhysicalBus;

/**
 * The HAL over an emulated {@link Machine}: the kernel's view of the board.
 *
 * <p>Loads and stores go to the machine's physical bus, as the CPU's would; interrupts arrive
 * at each vCPU's local APIC and are taken by that vCPU's interrupt thread (the stand-in for
 * "between instructions" until the kernel runs code on the emulated CPU), which runs the
 * handler installed for the vector and signals end-of-interrupt.
 *
 * <p>Lifecycle: construct, {@link #start()} (begins taking interrupts), {@link #stop()}.
 * Kernel modules get a per-module view of this object from the kernel's service registry; the
 * class is public so that unit tests can run drivers against a machine without a framework.
 */
public final class MachineHal implements Hal {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.core.irq");

    private final Machine machine;
    private final PhysicalBus bus;
    private final PhysMem memory;
    private final PortIo ports;
    private final InterruptTable interrupts;
    private final Acpi acpi;
    private final List<Thread> irqThreads = new ArrayList<>();
    private volatile boolean running;

    public MachineHal(Machine machine) {
        this.machine = machine;
        this.bus = machine.bus();
        this.memory = new BusMemory(bus);
        this.ports = new BusPorts(machine.ioPorts());
        this.interrupts = new InterruptTable(machine);
        this.acpi = AcpiTables.parse(memory, machine.bootInfo().acpiRsdp());
    }

    public Machine machine() {
        return machine;
    }

    /** Starts one interrupt thread per vCPU. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        for (int cpu = 0; cpu < machine.cpuCount(); cpu++) {
            int c = cpu;
            Thread t = Thread.ofPlatform().daemon().name("vcpu" + cpu + "-irq").start(() -> irqLoop(c));
            irqThreads.add(t);
        }
    }

    /** Stops taking interrupts and waits for the interrupt threads to finish. */
    public synchronized void stop() {
        running = false;
        for (Thread t : irqThreads) {
            t.interrupt();
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        irqThreads.clear();
    }

    /** The interrupt path of one vCPU: accept, dispatch, EOI. */
    private void irqLoop(int cpu) {
        var lapic = machine.lapic(cpu);
        while (running) {
            int vector;
            try {
                vector = lapic.acceptInterrupt(100_000_000L);
            } catch (InterruptedException e) {
                break;
            }
            if (vector < 0) {
                continue;
            }
            try {
                interrupts.dispatch(cpu, vector);
            } catch (Throwable t) {
                LOG.error("handler for vector {} on cpu {} failed", vector, cpu, t);
            } finally {
                lapic.eoi();
            }
        }
    }

    @Override
    public BootInfo bootInfo() {
        return machine.bootInfo();
    }

    @Override
    public PhysMem memory() {
        return memory;
    }

    @Override
    public Mmio mapMmio(long base, long size) {
        if (size <= 0 || (base & 0xFFF) != 0) {
            throw new IllegalArgumentException(String.format("bad MMIO window %#x+%#x: must be page-aligned", base, size));
        }
        for (MemoryRegion r : machine.bootInfo().memoryMap()) {
            if (r.type() == MemoryRegion.Type.USABLE && base < r.end() && r.base() < base + size) {
                throw new IllegalArgumentException(String.format("MMIO window %#x+%#x overlaps usable RAM", base, size));
            }
        }
        return new BusMmio(bus, base, size);
    }

    @Override
    public PortIo ports() {
        return ports;
    }

    /** Allocates a vector on behalf of a named module (shown in interrupt statistics). */
    public IrqVector allocateFor(String module, String name, IrqHandler handler) {
        return interrupts.allocate(module, name, handler);
    }

    @Override
    public Interrupts interrupts() {
        return interrupts;
    }

    @Override
    public Acpi acpi() {
        return acpi;
    }
}
