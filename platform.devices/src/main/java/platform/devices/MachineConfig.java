package platform.devices;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What to build: memory size in bytes, vCPU count, disks and the kernel command line.
 * Immutable; the {@code with*} methods return modified copies. Values are checked by
 * {@link Machines#build(MachineConfig)}, not here, so a config can be assembled from
 * options in any order.
 *
 * @param memoryBytes RAM size in bytes (see {@link #parseSize(String)} for "512M" etc.)
 * @param cpus        number of vCPUs
 * @param disks       disks in order; disk {@code i} becomes PCI device 00:(4+i).0
 * @param commandLine kernel command line
 * @param serial      what COM1 is connected to ({@code stdio}, {@code file:PATH}, {@code tcp:PORT}), or null
 * @param nics        NIC options ({@code virtio|e1000[,net=NAME][,mac=MAC][,pcap=FILE]}), in order
 * @param netdevs     network backends ({@code udp,local=HOST:PORT,remote=HOST:PORT[,net=NAME]})
 * @param hotplugSlots empty PCI Express hot-plug slots (root ports) for cards added while the machine runs
 * @param deterministicClock the machine's clock advances with executed instructions (and jumps
 *        over idle time) instead of following host time: timers, TSC and RTC become reproducible
 */
public record MachineConfig(long memoryBytes, int cpus, List<Disk> disks, String commandLine, String serial,
        List<String> nics, List<String> netdevs, int hotplugSlots, boolean deterministicClock) {
    /**
     * A raw image file attached as a disk: read-only, or in snapshot mode (writes go to a
     * private overlay that is discarded), on an interface ({@code virtio}: a virtio-blk
     * function; {@code nvme}: an NVMe controller with one namespace; {@code ahci}: an AHCI controller
     * with the disk on port 0).
     */
    public record Disk(Path path, boolean readOnly, boolean snapshot, String iface) {
        public Disk(Path path, boolean readOnly) {
            this(path, readOnly, false, "virtio");
        }
    }

    public MachineConfig {
        disks = List.copyOf(disks);
        nics = nics == null ? List.of() : List.copyOf(nics);
        netdevs = netdevs == null ? List.of() : List.copyOf(netdevs);
        commandLine = commandLine == null ? "" : commandLine;
    }

    /** 256 MiB, 1 CPU, no disks, empty command line. */
    public static MachineConfig defaults() {
        return new MachineConfig(256L << 20, 1, List.of(), "", null, List.of(), List.of(), 0, false);
    }

    public MachineConfig withMemory(long bytes) {
        return new MachineConfig(bytes, cpus, disks, commandLine, serial, nics, netdevs, hotplugSlots, deterministicClock);
    }

    /** Sets the memory from a size string such as "512M"; a bad string is an IllegalArgumentException naming "memory". */
    public MachineConfig withMemory(String size) {
        try {
            return withMemory(parseSize(size));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("memory: " + e.getMessage(), e);
        }
    }

    public MachineConfig withCpus(int n) {
        return new MachineConfig(memoryBytes, n, disks, commandLine, serial, nics, netdevs, hotplugSlots, deterministicClock);
    }

    public MachineConfig withDisk(Path path, boolean readOnly) {
        return withDisk(new Disk(path, readOnly));
    }

    public MachineConfig withDisk(Disk disk) {
        List<Disk> d = new ArrayList<>(disks);
        d.add(disk);
        return new MachineConfig(memoryBytes, cpus, d, commandLine, serial, nics, netdevs, hotplugSlots, deterministicClock);
    }

    /** Adds a NIC ({@code virtio|e1000[,net=NAME][,mac=MAC][,pcap=FILE]}); checked by {@link Machines#build}. */
    public MachineConfig withNic(String spec) {
        List<String> n = new ArrayList<>(nics);
        n.add(spec);
        return new MachineConfig(memoryBytes, cpus, disks, commandLine, serial, n, netdevs, hotplugSlots, deterministicClock);
    }

    /** Adds a network backend ({@code udp,local=HOST:PORT,remote=HOST:PORT[,net=NAME]}). */
    public MachineConfig withNetdev(String spec) {
        List<String> n = new ArrayList<>(netdevs);
        n.add(spec);
        return new MachineConfig(memoryBytes, cpus, disks, commandLine, serial, nics, n, hotplugSlots, deterministicClock);
    }

    /** Connects COM1: {@code stdio}, {@code file:PATH} or {@code tcp:PORT} (checked by {@link Machines#build}). */
    public MachineConfig withSerial(String spec) {
        return new MachineConfig(memoryBytes, cpus, disks, commandLine, spec, nics, netdevs, hotplugSlots, deterministicClock);
    }

    /** Adds {@code n} empty hot-plug slots (checked by {@link Machines#build}). */
    public MachineConfig withHotplugSlots(int n) {
        return new MachineConfig(memoryBytes, cpus, disks, commandLine, serial, nics, netdevs, n, deterministicClock);
    }

    /** A deterministic clock (true) or one that follows host time (false, the default). */
    public MachineConfig withDeterministicClock(boolean on) {
        return new MachineConfig(memoryBytes, cpus, disks, commandLine, serial, nics, netdevs, hotplugSlots, on);
    }

    public MachineConfig withCommandLine(String s) {
        return new MachineConfig(memoryBytes, cpus, disks, s, serial, nics, netdevs, hotplugSlots, deterministicClock);
    }

    /**
     * Parses a size: a non-negative integer with an optional binary suffix K, M, G or T
     * (case-insensitive, optionally followed by "B" or "iB"): "4096", "512M", "2G", "1GiB".
     *
     * @throws IllegalArgumentException on a malformed or overflowing value
     */
    public static long parseSize(String s) {
        if (s == null || s.isBlank()) {
            throw new IllegalArgumentException("empty size");
        }
        String t = s.trim().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("B") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        }
        int shift = 0;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        switch (last) {
            case 'K' -> shift = 10;
            case 'M' -> shift = 20;
            case 'G' -> shift = 30;
            case 'T' -> shift = 40;
            default -> { }
        }
        if (shift != 0) {
            t = t.substring(0, t.length() - 1);
        }
        if (t.isEmpty() || !t.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("bad size '" + s + "' (use e.g. 512M, 2G)");
        }
        try {
            long v = Long.parseLong(t);
            if (v > (Long.MAX_VALUE >> shift)) {
                throw new IllegalArgumentException("size too large: '" + s + "'");
            }
            return v << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("size too large: '" + s + "'");
        }
    }

    /**
     * Parses a disk option {@code PATH[,OPTION]...} with options {@code ro}/{@code readonly},
     * {@code rw}, {@code snapshot}, {@code if=virtio|nvme|ahci}. An unknown option, an interface that does
     * not exist yet, or a read-only snapshot is an IllegalArgumentException naming it.
     */
    public static Disk parseDisk(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("disk: empty path");
        }
        String[] parts = spec.split(",");
        String p = parts[0];
        if (p.isBlank()) {
            throw new IllegalArgumentException("disk: empty path in '" + spec + "'");
        }
        boolean ro = false;
        boolean snapshot = false;
        String iface = "virtio";
        for (int k = 1; k < parts.length; k++) {
            String opt = parts[k].trim().toLowerCase(Locale.ROOT);
            switch (opt) {
                case "ro", "readonly" -> ro = true;
                case "rw" -> ro = false;
                case "snapshot" -> snapshot = true;
                default -> {
                    if (!opt.startsWith("if=")) {
                        throw new IllegalArgumentException("disk: unknown option '" + parts[k] + "' in '" + spec + "'");
                    }
                    iface = opt.substring(3);
                    if (!iface.equals("virtio") && !iface.equals("nvme") && !iface.equals("ahci")) {
                        throw new IllegalArgumentException("disk: interface '" + iface + "' is not available (virtio, nvme or ahci)");
                    }
                }
            }
        }
        if (ro && snapshot) {
            throw new IllegalArgumentException("disk: 'readonly' and 'snapshot' exclude each other in '" + spec + "'");
        }
        return new Disk(Path.of(p), ro, snapshot, iface);
    }
}
