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
 * <p>PCI layout (deterministic): 00:00.0 host bridge; disk {@code i} is a
 * {@link VirtioBlkDevice} at 00:(4+i).0 with serial "KESTREL-DISK{i}"; at most
 * {@link #MAX_DISKS} disks. BARs are assigned by the firmware at power-on and left disabled.
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
                .commandLine(config.commandLine());
        List<PciFunction> devices = new ArrayList<>();
        try {
            for (int i = 0; i < config.disks().size(); i++) {
                MachineConfig.Disk d = config.disks().get(i);
                BlockBackend backend;
                try {
                    backend = d.snapshot() ? SnapshotBackend.open(d.path()) : RawFileBackend.open(d.path(), d.readOnly());
                } catch (IOException | SecurityException e) {
                    throw new IllegalArgumentException("disk[" + i + "]: cannot open " + d.path() + ": " + e, e);
                }
                PciFunction dev;
                try {
                    dev = switch (d.iface()) {
                        case "nvme" -> new NvmeController(backend, "KESTREL-NVME" + i);
                        case "ahci" -> new AhciController(new SataDisk(backend, "KESTREL-SATA" + i));
                        default -> new VirtioBlkDevice(backend, "KESTREL-DISK" + i);
                    };
                } catch (IllegalArgumentException e) {
                    closeQuietly(backend);
                    throw new IllegalArgumentException("disk[" + i + "]: " + e.getMessage(), e);
                }
                devices.add(dev);
                b.device(FIRST_DISK_SLOT + i, dev);
            }
            for (int i = 0; i < config.nics().size(); i++) {
                NetOptions.Nic n = NetOptions.parseNic(config.nics().get(i), i);
                NetPort port = NETWORKS.get(n.net()).newPort("nic" + i);
                if (n.pcap() != null) {
                    try {
                        port = new PcapTap(port, PcapWriter.create(n.pcap()));
                    } catch (IOException e) {
                        port.close();
                        throw new IllegalArgumentException("nic[" + i + "]: cannot write pcap " + n.pcap() + ": " + e.getMessage(), e);
                    }
                }
                PciFunction dev = n.model().equals("e1000") ? new E1000Device(port, n.mac()) : new VirtioNetDevice(port, n.mac());
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
