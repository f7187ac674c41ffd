package drivers.pci;

/**
 * One entry of a driver's ID table ({@code struct pci_device_id}): a vendor/device pair, either
 * of which may be {@link #ANY}, optionally narrowed by a class code under a mask. A class-only
 * entry ({@link #ofClass}) matches every function of that class.
 *
 * <p>{@link #toString()} gives the form used in the {@code FKX-Devices} manifest header:
 * {@code pci:1af4:1042}, {@code pci:*:*:010802/ffffff}; {@link #parse} reads it back.
 */
public record PciId(int vendor, int device, int classCode, int classMask) {
    /** Wildcard vendor or device. */
    public static final int ANY = -1;

    public PciId {
        if (vendor < ANY || vendor > 0xFFFF || device < ANY || device > 0xFFFF
                || (classCode & ~0xFF_FFFF) != 0 || (classMask & ~0xFF_FFFF) != 0) {
            throw new IllegalArgumentException("bad PCI ID");
        }
    }

    /** Matches {@code vendor:device} exactly, any class. */
    public static PciId of(int vendor, int device) {
        return new PciId(vendor, device, 0, 0);
    }

    /** Matches any function whose class code, under {@code mask}, equals {@code classCode}. */
    public static PciId ofClass(int classCode, int mask) {
        return new PciId(ANY, ANY, classCode, mask);
    }

    /** True if a function with these identifiers matches this entry. */
    public boolean matches(int vendorId, int deviceId, int functionClass) {
        return (vendor == ANY || vendor == vendorId)
                && (device == ANY || device == deviceId)
                && (functionClass & classMask) == (classCode & classMask);
    }

    /** True if {@code dev} matches this entry. */
    public boolean matches(PciDevice dev) {
        return matches(dev.vendorId(), dev.deviceId(), dev.classCode());
    }

    /**
     * Parses the {@link #toString()} form.
     *
     * @throws IllegalArgumentException if {@code text} is not a PCI ID
     */
    public static PciId parse(String text) {
        String[] p = text.trim().split(":");
        try {
            if ((p.length != 3 && p.length != 4) || !p[0].equals("pci")) {
                throw new IllegalArgumentException();
            }
            int code = 0;
            int mask = 0;
            if (p.length == 4) {
                String[] cm = p[3].split("/");
                code = Integer.parseInt(cm[0], 16);
                mask = cm.length > 1 ? Integer.parseInt(cm[1], 16) : 0xFF_FFFF;
            }
            return new PciId(field(p[1]), field(p[2]), code, mask);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a PCI ID: " + text);
        }
    }

    private static int field(String s) {
        return s.equals("*") ? ANY : Integer.parseInt(s, 16);
    }

    @Override
    public String toString() {
        String s = "pci:" + (vendor == ANY ? "*" : String.format("%04x", vendor))
                + ":" + (device == ANY ? "*" : String.format("%04x", device));
        return classMask == 0 ? s : s + String.format(":%06x/%06x", classCode, classMask);
    }
}
