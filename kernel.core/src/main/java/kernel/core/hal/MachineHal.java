package kernel.core.hal;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import platform.pc.BootInfo;
import platform.pc.LocalApic;
import platform.pc.Machine;
import platform.pc.MemoryRegion;
import platform.pc.PhysicalBus;
import platform.pc.Vcpu;

/**
 * The HAL over an emulated {@link Machine}: the kernel's view of the board.
 *
 * <p>Loads and stores go to the machine's physical bus, as the CPU's would; interrupts arrive
 * at each vCPU's local APIC and are taken by that {@link Vcpu} on its own thread
 * ({@code vcpu-N}), between instructions of user code or in its idle loop: the vCPU runs the
 * handler installed for the vector in the {@link InterruptTable}, then signals end-of-interrupt.
 *
 * <p>Lifecycle: construct (the machine is powered on: the BSP runs, the APs wait for SIPI),
 * {@link #start()} installs the interrupt handler on every vCPU and brings the APs online as
 * Linux's smpboot does (INIT, then STARTUP, written by the BSP to its ICR), {@link #stop()}
 * uninstalls the handlers: interrupts then stay pending in the local APICs (as with
 * interrupts disabled) until the next {@code start()}. Start and stop may be repeated.
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
    private final Vcpu.InterruptHandler handler = this::interrupt;
    private volatile boolean running;

    /** How long {@link #start()} waits for each AP to come online. */
    static final long AP_TIMEOUT_NANOS = 2_000_000_000L;
    /** The STARTUP vector: the AP would begin at 0x8000 (the kernel is Java: nothing runs there). */
    static final int TRAMPOLINE_VECTOR = 0x08;
    static final int ICR_INIT_ASSERT = 0x0000_C500, ICR_INIT_DEASSERT = 0x0000_8500, ICR_STARTUP = 0x0000_0600;

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

    /** Installs the interrupt handler on every vCPU and brings the APs that are not yet online up. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        for (Vcpu v : machine.vcpus()) {
            v.setInterruptHandler(handler);
        }
        bringUpAps();
    }

    /** Uninstalls the interrupt handlers; pending and new interrupts wait in the local APICs. */
    public synchronized void stop() {
        running = false;
        for (Vcpu v : machine.vcpus()) {
            if (v.interruptHandler() == handler) {
                v.setInterruptHandler(null);
            }
        }
    }

    /** On the vCPU's thread: dispatch, then EOI (even if the handler fails). */
    private void interrupt(Vcpu v, int vector) {
        try {
            interrupts.dispatch(v.index(), vector);
        } catch (Throwable t) {
            LOG.error("handler for vector {} on cpu {} failed", vector, v.index(), t);
        } finally {
            v.lapic().eoi();
        }
    }

    /**
     * INIT (assert, de-assert) then STARTUP to every AP not online, sent by the BSP through its
     * ICR; waits up to {@link #AP_TIMEOUT_NANOS} for each and logs an AP that did not come up.
     */
    private void bringUpAps() {
        List<Vcpu> aps = new ArrayList<>();
        for (Vcpu v : machine.vcpus()) {
            if (v.index() != 0 && !v.online()) {
                aps.add(v);
            }
        }
        if (aps.isEmpty()) {
            return;
        }
        try {
            machine.vcpu(0).call(() -> {
                LocalApic bsp = machine.lapic(0);
                for (Vcpu ap : aps) {
                    int dest = ap.lapic().id() << 24;
                    bsp.writeRegister(LocalApic.REG_ICR_HIGH, dest);
                    bsp.writeRegister(LocalApic.REG_ICR_LOW, ICR_INIT_ASSERT);
                    bsp.writeRegister(LocalApic.REG_ICR_HIGH, dest);
                    bsp.writeRegister(LocalApic.REG_ICR_LOW, ICR_INIT_DEASSERT);
                    bsp.writeRegister(LocalApic.REG_ICR_HIGH, dest);
                    bsp.writeRegister(LocalApic.REG_ICR_LOW, ICR_STARTUP | TRAMPOLINE_VECTOR);
                }
                return null;
            });
        } catch (Exception e) {
            LOG.error("cannot send INIT/SIPI from cpu 0: {}", e.toString());
            return;
        }
        long deadline = System.nanoTime() + AP_TIMEOUT_NANOS;
        for (Vcpu ap : aps) {
            while (!ap.online() && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (ap.online()) {
                LOG.debug("cpu {} (APIC {}) online", ap.index(), ap.lapic().id());
            } else {
                LOG.error("cpu {} (APIC {}) did not come online after INIT/SIPI", ap.index(), ap.lapic().id());
            }
        }
        LOG.info("smp: {} of {} cpus online", cpusOnline(), machine.cpuCount());
    }

    @Override
    public java.util.List<Vcpu> vcpus() {
        return machine.vcpus();
    }

    @Override
    public int cpusOnline() {
        int n = 0;
        for (Vcpu v : machine.vcpus()) {
            if (v.online()) {
                n++;
            }
        }
        return n;
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
