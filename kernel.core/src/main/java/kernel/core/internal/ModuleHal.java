package kernel.core.internal;

import java.util.ArrayList;
import java.util.List;
import kernel.core.hal.Acpi;
import kernel.core.hal.Hal;
import kernel.core.hal.Interrupts;
import kernel.core.hal.IrqHandler;
import kernel.core.hal.IrqVector;
import kernel.core.hal.MachineHal;
import kernel.core.hal.Mmio;
import kernel.core.hal.PhysMem;
import kernel.core.hal.PortIo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import platform.pc.BootInfo;

/**
 * One module's view of the HAL. It records the interrupt vectors the module allocates; when
 * the module releases the service (it stops or is unloaded), whatever it still holds is freed
 * and reported, so no handler of an unloaded module can ever run.
 */
final class ModuleHal implements Hal {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.core.hal");

    private final MachineHal hal;
    private final String module;
    private final List<IrqVector> vectors = new ArrayList<>();
    private final Interrupts interrupts = new Interrupts() {
        @Override
        public IrqVector allocate(String name, IrqHandler handler) {
            IrqVector v = hal.allocateFor(module, name, handler);
            IrqVector tracked = new IrqVector() {
                @Override public int vector() { return v.vector(); }
                @Override public int cpu() { return v.cpu(); }
                @Override public long msiAddress() { return v.msiAddress(); }
                @Override public int msiData() { return v.msiData(); }
                @Override public long count() { return v.count(); }

                @Override
                public void close() {
                    synchronized (vectors) {
                        vectors.remove(this);
                    }
                    v.close();
                }
            };
            synchronized (vectors) {
                vectors.add(tracked);
            }
            return tracked;
        }

        @Override
        public List<Line> lines() {
            return hal.interrupts().lines();
        }
    };

    ModuleHal(MachineHal hal, String module) {
        this.hal = hal;
        this.module = module;
    }

    /** Frees everything the module still holds. */
    void release() {
        List<IrqVector> left;
        synchronized (vectors) {
            left = new ArrayList<>(vectors);
        }
        for (IrqVector v : left) {
            LOG.warn("{} left interrupt vector {} on cpu {} allocated: freed", module, v.vector(), v.cpu());
            v.close();
        }
    }

    int vectorsHeld() {
        synchronized (vectors) {
            return vectors.size();
        }
    }

    @Override public BootInfo bootInfo() { return hal.bootInfo(); }
    @Override public int cpusOnline() { return hal.cpusOnline(); }
    @Override public java.util.List<platform.pc.Vcpu> vcpus() { return hal.vcpus(); }
    @Override public PhysMem memory() { return hal.memory(); }
    @Override public Mmio mapMmio(long base, long size) { return hal.mapMmio(base, size); }
    @Override public PortIo ports() { return hal.ports(); }
    @Override public Interrupts interrupts() { return interrupts; }
    @Override public Acpi acpi() { return hal.acpi(); }
}
