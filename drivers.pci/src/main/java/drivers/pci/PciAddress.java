package drivers.pci;

/**
 * The address of a PCI function: segment (PCI domain), bus, device, function. Printed the way
 * Linux prints it, {@code 0000:00:04.0}.
 */
public record PciAddress(int segment, int bus, int device, int function) implements Comparable<PciAddress> {
    public PciAddress {
        if (segment < 0 || segment > 0xFFFF || bus < 0 || bus > 255 || device < 0 || device > 31
                || function < 0 || function > 7) {
            throw new IllegalArgumentException("bad PCI address " + segment + ":" + bus + ":" + device + "." + function);
        }
    }

    /**
     * Parses {@code ssss:bb:dd.f} or {@code bb:dd.f} (segment 0), hexadecimal as printed.
     *
     * @throws IllegalArgumentException if the text is not an address
     */
    public static PciAddress parse(String text) {
        String[] parts = text.trim().split(":");
        try {
            if (parts.length < 2 || parts.length > 3) {
                throw new IllegalArgumentException();
            }
            int segment = parts.length == 3 ? Integer.parseInt(parts[0], 16) : 0;
            String[] df = parts[parts.length - 1].split("\\.");
            if (df.length != 2) {
                throw new IllegalArgumentException();
            }
            return new PciAddress(segment, Integer.parseInt(parts[parts.length - 2], 16),
                    Integer.parseInt(df[0], 16), Integer.parseInt(df[1], 16));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a PCI address: " + text);
        }
    }

    @Override
    public int compareTo(PciAddress o) {
        return Long.compare(key(), o.key());
    }

    private long key() {
        return (long) segment << 16 | bus << 8 | device << 3 | function;
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%x", segment, bus, device, function);
    }
}
