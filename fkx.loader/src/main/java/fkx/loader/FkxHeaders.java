package fkx.loader;

/**
 * The manifest headers that make a bundle an FKX module.
 *
 * <pre>
 * FKX-Name: drivers.virtio.blk          the module name (required)
 * FKX-Class: driver                     boot class, see {@link FkxClass} (required)
 * FKX-Flags: core, required             optional: core = never unloaded; required = boot fails without it
 * FKX-API-Version: 1                    the kernel module API the module was built against (required)
 * FKX-Devices: pci:1af4:1042            optional: device IDs the driver matches (its modalias table)
 * </pre>
 *
 * <p>{@code FKX-Devices} is a comma-separated list of PCI ID patterns, in the form of
 * {@code drivers.pci.PciId}:
 * <pre>
 * pci:VVVV:DDDD                 vendor and device, 4 hex digits each (lower case by convention)
 * pci:VVVV:*   pci:*:DDDD       either may be the wildcard *
 * pci:*:*:CCCCCC[/MMMMMM]       a class code (base class, subclass, prog-if; 6 hex digits),
 *                               compared under the mask MMMMMM (default ffffff): 010802/ffff00
 * </pre>
 * A device ID, as given to {@link FkxLoader#loadFor}, is {@code pci:vvvv:dddd} or, with its class
 * code, {@code pci:vvvv:dddd:cccccc}; hex is compared case-insensitively. A pattern with a class
 * matches only device IDs that carry one. When a card appears whose functions no driver binds,
 * the PCI bus asks the loader for the module matching {@code pci:vvvv:dddd:cccccc}.
 *
 * The module's Declarative Services components must be declared {@code enabled = false}: the
 * loader enables them when it starts the module ({@code module_init}) and disables them when
 * it stops it, so that modules come up in class order whatever order their bundles start in.
 */
public final class FkxHeaders {
    public static final String NAME = "FKX-Name";
    public static final String CLASS = "FKX-Class";
    public static final String FLAGS = "FKX-Flags";
    public static final String API_VERSION = "FKX-API-Version";
    public static final String DEVICES = "FKX-Devices";

    /** The module API version this loader implements. */
    public static final int CURRENT_API = 1;

    private FkxHeaders() {}
}
