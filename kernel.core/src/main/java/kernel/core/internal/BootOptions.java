package kernel.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import kernel.log.Level;
import platform.devices.MachineConfig;
import platform.devices.Machines;
import platform.pc.Machine;

/**
 * The machine and kernel options the launcher passes as framework properties:
 * {@code kestrel.memory} (e.g. 256M), {@code kestrel.cpus}, {@code kestrel.disk.0},
 * {@code kestrel.disk.1}, ... (an image path, optionally followed by {@code ,readonly}),
 * {@code kestrel.serial} (what COM1 is connected to: {@code stdio}, {@code file:PATH},
 * {@code tcp:PORT}), {@code kestrel.nic.0}, ... and {@code kestrel.netdev.0}, ... (network options as
 * on the launcher's command line), {@code kestrel.hotplug.slots} (empty PCI Express hot-plug slots),
 * {@code kestrel.monitor} ({@code tcp:PORT}: where the machine monitor listens), {@code kestrel.clock}
 * ({@code host}, the default, or {@code deterministic}), {@code kestrel.cmdline}
 * and {@code kestrel.loglevel} (console log level).
 */
record BootOptions(long memory, int cpus, List<String> disks, String serial, List<String> nics, List<String> netdevs,
        int hotplugSlots, String monitor, boolean deterministicClock, String cmdline, Level consoleLevel) {
    static final String DEFAULT_MEMORY = "256M";

    static BootOptions from(Function<String, String> props) {
        long memory;
        try {
            memory = MachineConfig.parseSize(orElse(props.apply("kestrel.memory"), DEFAULT_MEMORY));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("memory: " + e.getMessage());
        }
        int cpus;
        try {
            cpus = Integer.parseInt(orElse(props.apply("kestrel.cpus"), "1").trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cpus: not a number: " + props.apply("kestrel.cpus"));
        }
        if (cpus < 1 || cpus > Machine.MAX_CPUS) {
            throw new IllegalArgumentException("cpus: must be 1.." + Machine.MAX_CPUS + ", got " + cpus);
        }
        List<String> disks = new ArrayList<>();
        for (int i = 0; ; i++) {
            String d = props.apply("kestrel.disk." + i);
            if (d == null || d.isBlank()) {
                break;
            }
            disks.add(d.trim());
        }
        String serial = props.apply("kestrel.serial");
        if (serial != null && serial.isBlank()) {
            serial = null;
        }
        if (serial != null) {
            platform.pc.uart.SerialOption.parse(serial.trim()); // refuses a bad option, naming it
        }
        List<String> nics = indexed(props, "kestrel.nic.");
        for (int i = 0; i < nics.size(); i++) {
            platform.devices.net.NetOptions.parseNic(nics.get(i), i); // refuses a bad option, naming it
        }
        List<String> netdevs = indexed(props, "kestrel.netdev.");
        for (String n : netdevs) {
            platform.devices.net.NetOptions.parseNetdev(n);
        }
        int hotplugSlots;
        try {
            hotplugSlots = Integer.parseInt(orElse(props.apply("kestrel.hotplug.slots"), "0").trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hotplug-slots: not a number: " + props.apply("kestrel.hotplug.slots"));
        }
        String monitor = props.apply("kestrel.monitor");
        if (monitor != null && monitor.isBlank()) {
            monitor = null;
        }
        if (monitor != null) {
            platform.devices.monitor.MonitorServer.parsePort(monitor.trim()); // refuses a bad option, naming it
        }
        String clock = orElse(props.apply("kestrel.clock"), "host").trim();
        if (!clock.equals("host") && !clock.equals("deterministic")) {
            throw new IllegalArgumentException("clock: must be host or deterministic, got '" + clock + "'");
        }
        String cmdline = orElse(props.apply("kestrel.cmdline"), "");
        Level level;
        try {
            level = Level.parse(orElse(props.apply("kestrel.loglevel"), "info"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("loglevel: " + e.getMessage());
        }
        return new BootOptions(memory, cpus, disks, serial == null ? null : serial.trim(), nics, netdevs, hotplugSlots,
                monitor == null ? null : monitor.trim(), clock.equals("deterministic"), cmdline, level);
    }

    /** The firmware stage: builds and powers on the machine these options describe. */
    Machine powerOn() {
        MachineConfig c = MachineConfig.defaults().withMemory(memory).withCpus(cpus).withCommandLine(cmdline).withSerial(serial)
                .withHotplugSlots(hotplugSlots).withDeterministicClock(deterministicClock);
        for (String d : disks) {
            MachineConfig.Disk disk = MachineConfig.parseDisk(d);
            c = c.withDisk(disk);
        }
        for (String n : nics) {
            c = c.withNic(n);
        }
        for (String n : netdevs) {
            c = c.withNetdev(n);
        }
        return Machines.build(c);
    }

    /** The values of {@code prefix0}, {@code prefix1}, ... up to the first missing one. */
    private static List<String> indexed(Function<String, String> props, String prefix) {
        List<String> out = new ArrayList<>();
        for (int i = 0; ; i++) {
            String v = props.apply(prefix + i);
            if (v == null || v.isBlank()) {
                return out;
            }
            out.add(v.trim());
        }
    }

    private static String orElse(String v, String dflt) {
        return v == null || v.isBlank() ? dflt : v;
    }
}
