package drivers.pci.internal;

import drivers.pci.PciBus;
import java.util.stream.Collectors;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The {@code pci:lspci} shell command: one line per function, with its bound driver. */
@Component(service = LspciCommand.class, enabled = false, property = {"osgi.command.scope=pci", "osgi.command.function=lspci", "osgi.command.function=slots"})
public final class LspciCommand {
    private final PciBus bus;

    @org.osgi.service.component.annotations.Activate
    public LspciCommand(@Reference(name = "bus") PciBus bus) {
        this.bus = bus;
    }

    /** {@code 0000:00:04.0 0100: 1af4:1042 (rev 01) virtio-blk}, one line per function. */
    public String lspci() {
        return bus.devices().stream().map(PciBusImpl::lspciLine).collect(Collectors.joining("\n"));
    }

    /** The hot-plug slots: {@code Slot(1)   0000:00:1c.0 bus 01: card present, power on, link up, in use}. */
    public String slots() {
        var all = bus.slots();
        return all.isEmpty() ? "no hot-plug slots" : all.stream().map(Object::toString).collect(Collectors.joining("\n"));
    }

    /** Same, for one address ({@code 00:04.0} or {@code 0000:00:04.0}). */
    public String lspci(String address) {
        return bus.device(drivers.pci.PciAddress.parse(address)).map(PciBusImpl::lspciLine)
                .orElse("no PCI function at " + address);
    }
}
