package platform.devices;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import platform.devices.ahci.AhciController;
import platform.devices.ahci.SataDisk;
import platform.devices.net.NetOptions;
import platform.devices.net.NetPort;
import platform.devices.net.NetPorts;
import platform.devices.net.Networks;
import platform.devices.net.PcapTap;
import platform.devices.net.PcapWriter;
import platform.devices.net.UdpBackend;
import platform.devices.nvme.NvmeController;
import platform.pc.Machine;
import platform.pc.pci.PciFunction;
import platform.pc.uart.SerialOption;

/**
 * Assembles a powered-on {@link Machine} from a {@link MachineConfig}.
 *
 * <p>PCI layout (deterministic): 00:00.0 host bridge; disk {@code i} at 00:(4+i).0 (virtio-blk
 * with serial "KESTREL-DISK{i}", or an NVMe or AHCI controller); NIC {@code i} at 00:(31-i).0;
 * hot-plug root ports on the highest device numbers left free. BARs are assigned by the
 * firmware at power-on and left disabled.
 */
public final class Machines {
    /** PCI device number of the first disk. */
    public static final int FIRST_DISK_SLOT = 4;
    public static final int MAX_DISKS = 32 - FIRST_DISK_SLOT;
    /** NICs take PCI slots from 31 downward. */
    public static final int LAST_NIC_SLOT = 31;
    /** The named networks ({@code net=NAME}) of this JVM: machines built here with the same name share a switch. */
    public static final Networks NETWORKS = new Networks();

    private Machines() {
    }

    /**
     * Validates {@code config}, creates the machine, attaches the disks and powers on
     * (BAR assignment, ACPI tables, BootInfo). The caller owns the machine and must close it.
     *
     * @throws IllegalArgumentException for a bad option; the message starts with the
     *         option's name ("memory", "cpus", "disk[i]", "disks")
     */
    public static Machine build(MachineConfig config) {
        validate(config);
        Machine.Builder b = Machine.builder()
                .memory(config.memoryBytes())
                .cpus(config.cpus())
                .hotplugSlots(config.hotplugSlots())
                .clock(config.deterministicClock() ? platform.pc.time.VirtualClock.deterministic() : null)
                .commandLine(config.commandLine());
        List<PciFunction> devices = new ArrayList<>();
        try {
            for (int i = 0; i < config.disks().size(); i++) {
                PciFunction dev = newDisk(config.disks().get(i), "disk[" + i + "]", i);
                devices.add(dev);
                b.device(FIRST_DISK_SLOT + i, dev);
            }
            for (int i = 0; i < config.nics().size(); i++) {
                PciFunction dev = newNic(config.nics().get(i), i);
                devices.add(dev);
                b.device(LAST_NIC_SLOT - i, dev);
            }
            if (config.serial() != null) {
                b.serial(SerialOption.parse(config.serial()).open()); // the machine closes it
            }
            List<AutoCloseable> links = new ArrayList<>();
            try {
                for (String spec : config.netdevs()) {
                    NetOptions.UdpNetdev u = NetOptions.parseNetdev(spec);
                    UdpBackend udp;
                    try {
                        udp = UdpBackend.open(u.local(), u.remote());
                    } catch (IOException e) {
                        throw new IllegalArgumentException("netdev: cannot open " + spec + ": " + e.getMessage(), e);
                    }
                    links.add(udp);
                    links.add(NetPorts.connect(udp, NETWORKS.get(u.net()).newPort("udp " + u.local())));
                }
                Machine m = b.build().powerOn();
                for (AutoCloseable l : links.reversed()) {
                    m.onClose(l);
                }
                return m;
            } catch (RuntimeException e) {
                for (AutoCloseable l : links.reversed()) {
                    try {
                        l.close();
                    } catch (Exception ignored) {
                        // already failing
                    }
                }
                throw e;
            }
        } catch (RuntimeException e) {
            for (PciFunction dev : devices) {
                dev.close();
            }
            throw e;
        }
    }

    /**
     * A disk controller for {@code d} with its image open: virtio-blk, NVMe (one namespace) or
     * AHCI (the disk on port 0), serial numbers {@code KESTREL-DISK<n>}, {@code KESTREL-NVME<n>},
     * {@code KESTREL-SATA<n>}. The caller owns it (closing it closes the image).
     *
     * @throws IllegalArgumentException starting with {@code what} if the image cannot be opened
     */
    public static PciFunction newDisk(MachineConfig.Disk d, String what, int n) {
        BlockBackend backend;
        try {
            backend = d.snapshot() ? SnapshotBackend.open(d.path()) : RawFileBackend.open(d.path(), d.readOnly());
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException(what + ": cannot open " + d.path() + ": " + e, e);
        }
        try {
            return switch (d.iface()) {
                case "nvme" -> new NvmeController(backend, "KESTREL-NVME" + n);
                case "ahci" -> new AhciController(new SataDisk(backend, "KESTREL-SATA" + n));
                default -> new VirtioBlkDevice(backend, "KESTREL-DISK" + n);
            };
        } catch (IllegalArgumentException e) {
            closeQuietly(backend);
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
    }

    /**
     * A NIC for {@code spec} ({@code virtio|e1000[,net=NAME][,mac=MAC][,pcap=FILE]}), plugged into
     * its network's switch as port {@code nic<index>}. The caller owns it.
     *
     * @throws IllegalArgumentException naming {@code nic[index]} for a bad option or pcap file
     */
    public static PciFunction newNic(String spec, int index) {
        NetOptions.Nic n = NetOptions.parseNic(spec, index);
        NetPort port = NETWORKS.get(n.net()).newPort("nic" + index);
        if (n.pcap() != null) {
            try {
                port = new PcapTap(port, PcapWriter.create(n.pcap()));
            } catch (IOException e) {
                port.close();
                throw new IllegalArgumentException("nic[" + index + "]: cannot write pcap " + n.pcap() + ": " + e.getMessage(), e);
            }
        }
        return n.model().equals("e1000") ? new E1000Device(port, n.mac()) : new VirtioNetDevice(port, n.mac());
    }

    private static void closeQuietly(BlockBackend b) {
        try {
            b.close();
        } catch (IOException ignored) {
            // the open failed anyway
        }
    }

    /** Checks every option; throws IllegalArgumentException naming the first bad one. */
    public static void validate(MachineConfig c) {
        long mem = c.memoryBytes();
        if (mem < Machine.MIN_MEMORY || (mem & 0xFFF) != 0) {
            throw new IllegalArgumentException("memory: must be a multiple of 4 KiB and at least "
                    + (Machine.MIN_MEMORY >> 20) + "M, got " + mem + " bytes");
        }
        if (c.cpus() < 1 || c.cpus() > Machine.MAX_CPUS) {
            throw new IllegalArgumentException("cpus: must be 1.." + Machine.MAX_CPUS + ", got " + c.cpus());
        }
        if (c.disks().size() > MAX_DISKS) {
            throw new IllegalArgumentException("disks: at most " + MAX_DISKS + ", got " + c.disks().size());
        }
        if (c.disks().size() + c.nics().size() > MAX_DISKS) {
            throw new IllegalArgumentException("nics: at most " + (MAX_DISKS - c.disks().size()) + " with "
                    + c.disks().size() + " disks, got " + c.nics().size());
        }
        int free = 31 - c.disks().size() - c.nics().size(); // bus-0 devices 1..31
        if (c.hotplugSlots() < 0 || c.hotplugSlots() > free) {
            throw new IllegalArgumentException("hotplug-slots: must be 0.." + free + " with " + c.disks().size()
                    + " disks and " + c.nics().size() + " NICs, got " + c.hotplugSlots());
        }
        for (int i = 0; i < c.nics().size(); i++) {
            NetOptions.parseNic(c.nics().get(i), i); // names the bad option
        }
        for (String n : c.netdevs()) {
            NetOptions.parseNetdev(n);
        }
        for (int i = 0; i < c.disks().size(); i++) {
            MachineConfig.Disk d = c.disks().get(i);
            if (d.path() == null || !Files.isRegularFile(d.path())) {
                throw new IllegalArgumentException("disk[" + i + "]: no such file: " + d.path());
            }
            if (!Files.isReadable(d.path()) || (!d.readOnly() && !d.snapshot() && !Files.isWritable(d.path()))) {
                throw new IllegalArgumentException("disk[" + i + "]: permission denied: " + d.path()
                        + (d.readOnly() ? "" : " (use ,ro for a read-only disk)"));
            }
        }
        if (c.serial() != null) {
            SerialOption.parse(c.serial()); // names the bad option
        }
    }
}
