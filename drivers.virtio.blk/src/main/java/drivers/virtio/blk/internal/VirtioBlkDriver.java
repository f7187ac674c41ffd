package drivers.virtio.blk.internal;

import drivers.pci.PciDevice;
import drivers.pci.PciDriver;
import drivers.pci.PciId;
import drivers.virtio.Virtio;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import kernel.core.hal.Interrupts;
import kernel.mm.DmaAllocator;

/**
 * The virtio-blk PCI driver: binds modern virtio block functions, names each disk after the
 * lowest free letter ({@code vda}, {@code vdb}, ..., {@code vdz}, {@code vdaa}, ...) and
 * publishes it through a {@link DiskRegistrar}. Framework-free, so probe and remove can be
 * tested against a machine; {@link VirtioBlkComponent} wires it into OSGi.
 */
final class VirtioBlkDriver implements PciDriver {
    static final String NAME = "virtio-blk";

    /** The ID table: modern (virtio 1.x) block devices only. Mirrored by FKX-Devices in bnd.bnd. */
    static final List<PciId> IDS = List.of(PciId.of(Virtio.PCI_VENDOR, Virtio.PCI_DEVICE_MODERN_BASE + Virtio.ID_BLOCK));

    private record Bound(VirtioBlkDisk disk, DiskRegistrar.Registration registration, int index) {
    }

    private final DmaAllocator dma;
    private final Interrupts irqs;
    private final DiskRegistrar registrar;
    private final Map<PciDevice, Bound> disks = new LinkedHashMap<>();
    private final BitSet namesInUse = new BitSet();

    /** Disks get DMA memory from {@code dma} and vectors from {@code irqs}, and are published through {@code registrar}. */
    VirtioBlkDriver(DmaAllocator dma, Interrupts irqs, DiskRegistrar registrar) {
        this.dma = dma;
        this.irqs = irqs;
        this.registrar = registrar;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<PciId> ids() {
        return IDS;
    }

    @Override
    public synchronized void probe(PciDevice dev) throws Exception {
        if (disks.containsKey(dev)) {
            throw new IllegalStateException(dev.address() + " is already bound to " + NAME);
        }
        int index = namesInUse.nextClearBit(0);
        String name = diskName(index);
        VirtioBlkDisk disk = VirtioBlkDisk.attach(dev, dma, irqs, name);
        DiskRegistrar.Registration reg;
        try {
            reg = registrar.register(disk);
        } catch (RuntimeException e) {
            disk.detach();
            throw e;
        }
        namesInUse.set(index);
        disks.put(dev, new Bound(disk, reg, index));
    }

    @Override
    public synchronized void remove(PciDevice dev) {
        Bound b = disks.remove(dev);
        if (b == null) {
            return;
        }
        b.registration().unregister();
        b.disk().detach();
        namesInUse.clear(b.index());
    }

    /** Removes every disk (the component is going away). */
    synchronized void removeAll() {
        for (PciDevice dev : new ArrayList<>(disks.keySet())) {
            remove(dev);
        }
    }

    /** The disk bound to {@code dev}, or null. */
    synchronized VirtioBlkDisk disk(PciDevice dev) {
        Bound b = disks.get(dev);
        return b == null ? null : b.disk();
    }

    /** Disk name for index {@code i}: 0 → vda, 25 → vdz, 26 → vdaa (Linux's scheme). */
    static String diskName(int i) {
        StringBuilder s = new StringBuilder();
        for (int n = i; n >= 0; n = n / 26 - 1) {
            s.insert(0, (char) ('a' + n % 26));
        }
        return "vd" + s;
    }
}
