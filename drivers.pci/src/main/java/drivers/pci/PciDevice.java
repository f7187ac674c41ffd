package drivers.pci;

import java.util.List;
import kernel.core.hal.Interrupts;
import kernel.core.hal.IrqHandler;
import kernel.core.hal.IrqVector;
import kernel.core.hal.Mmio;

/**
 * One PCI function found by enumeration ({@code struct pci_dev}). Identity and BARs are read
 * once at enumeration; configuration space is read and written live through ECAM.
 *
 * <p>A driver's {@code probe} typically calls {@link #enableMemory()}, {@link #mapBar(int)},
 * {@link #enableBusMaster()} and {@link #enableMsix}; its {@code remove} undoes them with
 * {@link #disableMsix()} and {@link #disable()}. What a driver leaves enabled when it is
 * removed (or when its probe fails) the bus turns off after it, with a warning.
 */
public interface PciDevice {
    PciAddress address();

    int vendorId();

    int deviceId();

    /** Base class, subclass and programming interface: {@code 0x010802} is an NVMe controller. */
    int classCode();

    int revision();

    int subsystemVendorId();

    int subsystemId();

    /** Header layout (0 = device, 1 = PCI-to-PCI bridge), without the multi-function bit. */
    int headerType();

    // ---- configuration space (offsets 0..4095, naturally aligned) -------------------------

    int configRead8(int offset);

    int configRead16(int offset);

    int configRead32(int offset);

    void configWrite8(int offset, int value);

    void configWrite16(int offset, int value);

    void configWrite32(int offset, int value);

    /**
     * Walks the capability list.
     *
     * @return the config offset of the first capability with {@code id}, or 0 if there is none
     */
    int findCapability(int id);

    /** The config offsets of every capability with {@code id}, in list order (e.g. all vendor capabilities). */
    List<Integer> capabilities(int id);

    // ---- BARs --------------------------------------------------------------------------------

    /** The BAR with this index, or null if it is not implemented (or is the top half of a 64-bit BAR). */
    PciBar bar(int index);

    /** Every implemented BAR, by index. */
    List<PciBar> bars();

    /**
     * Maps memory BAR {@code index} for register access. Repeated calls return the same window.
     *
     * @throws IllegalArgumentException if the BAR does not exist, is an I/O BAR or is unassigned
     */
    Mmio mapBar(int index);

    /** Turns on memory-space decoding (COMMAND.MEM) so the device answers at its BARs. */
    void enableMemory();

    /** Lets the device master the bus (COMMAND.BME): needed for DMA and MSI-X messages. */
    void enableBusMaster();

    /** Turns off bus mastering only: the device can no longer DMA or send MSIs. */
    void disableBusMaster();

    /** Turns off bus mastering and memory and I/O decoding ({@code pci_disable_device}). */
    void disable();

    // ---- MSI-X -------------------------------------------------------------------------------

    /** Number of MSI-X table entries the function has; 0 without an MSI-X capability. */
    int msixTableSize();

    boolean msixEnabled();

    /**
     * Enables MSI-X with one interrupt per handler: table entry {@code i} raises a newly
     * allocated vector whose handler is {@code handlers.get(i)}. Programs each entry's message
     * address and data, unmasks it, sets MSI-X enable, clears the function mask and disables
     * INTx. Vectors are named {@code name} (one handler) or {@code name-i}, and allocated from
     * {@code irqs} — pass the calling driver's own {@code Hal.interrupts()} so that the vectors
     * are accounted to (and reclaimed with) the driver module.
     *
     * @return the allocated vectors, in entry order (their {@link IrqVector#count()} counts interrupts)
     * @throws IllegalStateException if there is no MSI-X capability, too many handlers, MSI-X is
     *     already enabled, or no interrupt vector is free (nothing is left allocated then)
     */
    List<IrqVector> enableMsix(Interrupts irqs, String name, List<IrqHandler> handlers);

    /** {@link #enableMsix(Interrupts, String, List)} with vectors allocated by the PCI bus module. */
    List<IrqVector> enableMsix(String name, List<IrqHandler> handlers);

    /** True if MSI-X table entry {@code entry} has its pending bit set in the PBA. */
    boolean msixPending(int entry);

    /**
     * Undoes {@link #enableMsix}: masks every entry, clears MSI-X enable and frees the vectors.
     * Does nothing if MSI-X is not enabled.
     */
    void disableMsix();

    // ---- MSI ---------------------------------------------------------------------------------

    /** True if the function has an MSI capability. */
    boolean hasMsi();

    boolean msiEnabled();

    /**
     * Enables single-message MSI: allocates a vector from {@code irqs} whose handler is
     * {@code handler}, programs the capability's address and data, disables INTx and sets MSI
     * enable.
     *
     * @throws IllegalStateException if there is no MSI capability, MSI is already enabled, or no
     *     interrupt vector is free
     */
    IrqVector enableMsi(Interrupts irqs, String name, IrqHandler handler);

    /** Undoes {@link #enableMsi}: clears MSI enable, then frees the vector. Does nothing if MSI is off. */
    void disableMsi();

    // ---- presence ----------------------------------------------------------------------------

    /**
     * True once the bus knows the function is gone (its card was pulled out without warning, or
     * its link went down): config reads return all-ones and writes are lost. A driver's
     * {@code remove} then only releases kernel resources; the bus's own helpers ({@link #disableMsix},
     * {@link #disableMsi}, {@link #disable}) skip the hardware.
     */
    boolean disconnected();

    // ---- driver binding ----------------------------------------------------------------------

    /** The name of the driver bound to this function, or null. */
    String driver();
}
