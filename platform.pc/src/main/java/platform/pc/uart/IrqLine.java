package platform.pc.uart;

/**
 * Contract: an interrupt request wire from a device to an interrupt controller (IOAPIC pin,
 * PIC input). The device calls {@link #set} with the new level whenever its output changes;
 * it may also repeat the current level. Level-sensitive, active high.
 */
@FunctionalInterface
public interface IrqLine {
    /** An unconnected wire. */
    IrqLine NONE = level -> { };

    void set(boolean level);
}
