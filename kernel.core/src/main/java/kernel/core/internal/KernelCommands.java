package kernel.core.internal;

import java.util.List;
import java.util.StringJoiner;
import kernel.core.Kernel;
import kernel.core.hal.Hal;
import kernel.core.hal.Interrupts;
import kernel.log.Dmesg;
import kernel.log.Level;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import platform.pc.BootInfo;
import platform.pc.MemoryRegion;

/** Shell commands owned by the kernel core: {@code info}, {@code dmesg}, {@code interrupts}, {@code shutdown}. */
@Component(service = KernelCommands.class, immediate = true, property = {
    "osgi.command.scope=kernel",
    "osgi.command.function=info",
    "osgi.command.function=dmesg",
    "osgi.command.function=interrupts",
    "osgi.command.function=shutdown",
})
public final class KernelCommands {
    @Reference
    private Kernel kernel;

    @Reference
    private Hal hal;

    private String profile = "?";

    @org.osgi.service.component.annotations.Activate
    void activate(org.osgi.framework.BundleContext context) {
        String p = context.getProperty("kestrel.profile");
        profile = p == null ? "(none)" : p;
    }

    @Descriptor("show the kernel version, uptime, CPUs, memory and ACPI tables")
    public String info() {
        BootInfo b = hal.bootInfo();
        long up = kernel.uptimeNanos();
        long total = 0;
        for (MemoryRegion r : b.memoryMap()) {
            if (r.type() == MemoryRegion.Type.USABLE) {
                total += r.length();
            }
        }
        StringJoiner acpi = new StringJoiner(" ");
        hal.acpi().tables().forEach(t -> acpi.add(t.signature()));
        return String.join("\n",
                "kernel:  Kestrel " + kernel.version(),
                "profile: " + profile,
                "java:    " + Runtime.version(),
                String.format("uptime:  %d.%03d s", up / 1_000_000_000L, (up / 1_000_000) % 1000),
                "cpus:    " + b.cpuCount() + " (" + hal.cpusOnline() + " online)",
                "memory:  " + (total >> 20) + " MiB usable",
                "cmdline: " + b.commandLine(),
                "acpi:    " + acpi);
    }

    @Descriptor("print the kernel log")
    public String dmesg(
            @Descriptor("minimum level: error, warn, info, debug, trace") @Parameter(names = {"-l", "--level"}, absentValue = "debug") String level,
            @Descriptor("only this component (and its sub-components)") @Parameter(names = {"-c", "--component"}, absentValue = "") String component,
            @Descriptor("clear the buffer after printing") @Parameter(names = {"-C", "--clear"}, presentValue = "true", absentValue = "false") boolean clear) {
        List<Dmesg.Entry> entries = Dmesg.get().entries(Level.parse(level), component.isEmpty() ? null : component);
        StringBuilder sb = new StringBuilder();
        for (Dmesg.Entry e : entries) {
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            sb.append(e.format());
        }
        if (clear) {
            Dmesg.get().clear();
        }
        return sb.toString();
    }

    @Descriptor("list installed interrupt handlers with their counts")
    public String interrupts() {
        StringBuilder sb = new StringBuilder(String.format("%-6s %-4s %10s  %-24s %s", "VECTOR", "CPU", "COUNT", "NAME", "OWNER"));
        for (Interrupts.Line l : hal.interrupts().lines()) {
            sb.append(String.format("%n0x%02x   %-4d %10d  %-24s %s", l.vector(), l.cpu(), l.count(), l.name(), l.owner()));
        }
        return sb.toString();
    }

    @Descriptor("stop every module and power the machine off")
    public String shutdown() {
        kernel.shutdown();
        return "shutting down";
    }
}
