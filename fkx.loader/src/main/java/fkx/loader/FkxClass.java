package fkx.loader;

import java.util.Locale;

/**
 * The class of an FKX module, which fixes its place in the boot order: modules start class by
 * class in this order, and stop in the reverse.
 */
public enum FkxClass {
    PRINTK, PANIC, IRQCHIP, TIMER, MM, DRIVER, GENERIC;

    /** Parses the {@code FKX-Class} header value, e.g. {@code driver}. */
    public static FkxClass parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown FKX-Class '" + s + "' (printk, panic, irqchip, timer, mm, driver, generic)");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
