package drivers.pci;

/**
 * A hot-plug slot below a PCI Express port, as {@code pci:slots} shows it.
 *
 * @param name     {@code Slot(N)}, N being the physical slot number from Slot Capabilities
 * @param port     the root or downstream port the slot hangs off
 * @param bus      the port's secondary bus, where the card's functions appear
 * @param present  a card is in the slot (Presence Detect State)
 * @param powered  the slot's power is on
 * @param linkUp   the link to the card is active
 * @param inUse    the card's functions are listed on the bus (and offered to drivers)
 * @param driven   the kernel receives the slot's events (the port has MSI)
 */
public record PciSlot(String name, PciAddress port, int bus, boolean present, boolean powered, boolean linkUp,
        boolean inUse, boolean driven) {
    @Override
    public String toString() {
        return String.format("%-9s %s bus %02x: %s, power %s, link %s%s%s", name, port, bus,
                present ? "card present" : "empty", powered ? "on" : "off", linkUp ? "up" : "down",
                inUse ? ", in use" : "", driven ? "" : " (not driven)");
    }
}
