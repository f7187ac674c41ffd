package kernel.block.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import kernel.block.BlockDevice;
import kernel.block.BlockDevices;
import kernel.block.BlockHandle;
import kernel.core.ModuleUsage;
import org.apache.felix.service.command.Descriptor;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The block device registry. Drivers register {@link BlockDevice} services; this component
 * tracks them by name and hands out {@link BlockHandle}s. Every open handle holds the
 * device's owner module through {@link ModuleUsage}, so a driver whose disk is in use cannot
 * be unloaded. If a device disappears anyway (its bundle was stopped behind the loader's
 * back), its open handles fail with "device removed".
 *
 * <p>Locking: the registry map and each disk's handle list are guarded by this object.
 */
@Component(service = {BlockDevices.class, BlockLayer.class}, immediate = true, enabled = false, property = {
    "osgi.command.scope=block",
    "osgi.command.function=lsblk",
})
public final class BlockLayer implements BlockDevices {
    private static final Logger LOG = LoggerFactory.getLogger("kernel.block");

    @Reference
    private ModuleUsage usage;

    /** A registered disk and its open handles. */
    static final class Disk {
        final BlockDevice dev;
        final Bundle owner;
        final List<Handle> handles = new ArrayList<>();
        volatile boolean gone;

        Disk(BlockDevice dev, Bundle owner) {
            this.dev = dev;
            this.owner = owner;
        }
    }

    private final Map<String, Disk> disks = new TreeMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addDevice(BlockDevice dev, ServiceReference<BlockDevice> ref) {
        String name = dev.name();
        Disk d = new Disk(dev, ref.getBundle());
        synchronized (this) {
            if (disks.containsKey(name)) {
                LOG.error("{}: a block device of that name is already registered; ignoring the one from {}", name, d.owner.getSymbolicName());
                return;
            }
            disks.put(name, d);
        }
        LOG.info("{}: {} sectors of {} bytes ({} MiB){}", name, dev.sectorCount(), dev.sectorSize(),
                dev.sectorCount() * dev.sectorSize() >> 20, dev.readOnly() ? ", read-only" : "");
    }

    void removeDevice(BlockDevice dev) {
        Disk d;
        List<Handle> open;
        synchronized (this) {
            d = disks.get(dev.name());
            if (d == null || d.dev != dev) {
                return;
            }
            disks.remove(dev.name());
            d.gone = true;
            open = new ArrayList<>(d.handles);
        }
        if (!open.isEmpty()) {
            LOG.warn("{}: removed while open by {}", dev.name(), open.stream().map(h -> h.holder).toList());
        }
        for (Handle h : open) {
            h.close();
        }
        LOG.info("{}: removed", dev.name());
    }

    @Override
    public synchronized List<Info> list() {
        List<Info> out = new ArrayList<>();
        for (Disk d : disks.values()) {
            out.add(info(d));
        }
        return out;
    }

    @Override
    public synchronized Optional<Info> find(String name) {
        Disk d = disks.get(strip(name));
        return d == null ? Optional.empty() : Optional.of(info(d));
    }

    private static Info info(Disk d) {
        List<String> holders = new ArrayList<>();
        for (Handle h : d.handles) {
            holders.add(h.holder);
        }
        return new Info(d.dev.name(), d.dev.sectorCount() * d.dev.sectorSize(), d.dev.sectorSize(), d.dev.readOnly(),
                d.owner.getSymbolicName(), holders);
    }

    @Override
    public BlockHandle open(String name, String holder) throws IOException {
        String n = strip(name);
        synchronized (this) {
            Disk d = disks.get(n);
            if (d == null) {
                throw new IOException("no such block device: /dev/" + n);
            }
            Handle h = new Handle(this, d, holder, usage.hold(d.owner, "/dev/" + n + " " + holder));
            d.handles.add(h);
            return h;
        }
    }

    synchronized void closed(Handle h) {
        h.disk.handles.remove(h);
    }

    private static String strip(String name) {
        return name.startsWith("/dev/") ? name.substring(5) : name;
    }

    @Descriptor("list block devices")
    public String lsblk() {
        StringBuilder sb = new StringBuilder(String.format("%-8s %10s %6s %3s  %-20s %s", "NAME", "SIZE", "SECTOR", "RO", "DRIVER", "HOLDERS"));
        for (Info i : list()) {
            sb.append(String.format("%n%-8s %10s %6d %3s  %-20s %s", i.name(), human(i.size()), i.sectorSize(),
                    i.readOnly() ? "1" : "0", i.owner(), String.join(", ", i.holders())));
        }
        return sb.toString();
    }

    static String human(long bytes) {
        String[] units = {"B", "K", "M", "G", "T"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.floor(v) ? String.valueOf((long) v) : String.format(java.util.Locale.ROOT, "%.1f", v)) + units[u];
    }
}
