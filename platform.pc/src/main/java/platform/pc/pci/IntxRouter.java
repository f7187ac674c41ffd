package platform.pc.pci;

import platform.pc.time.IrqSink;

/**
 * The PCI INTx wires: shared, level-triggered (wired-OR) interrupt lines into the IOAPIC. Each
 * function that drives a GSI counts once; the IOAPIC input is asserted when the count goes
 * 0&rarr;1 and de-asserted when it returns to 0, so the IOAPIC sees exactly the level
 * transitions of the OR of its sources. On the board the sink is the IOAPIC's PCI input
 * ({@link platform.pc.IoApic#assertPciIrq}), itself OR-ed with the pin's direct input. Calls into the sink are made with this object's lock
 * held (ordering of transitions is preserved); the sink must not call back into PCI.
 */
final class IntxRouter {
    private final IrqSink sink;
    private final int[] drivers = new int[256];

    IntxRouter(IrqSink sink) {
        this.sink = sink;
    }

    synchronized void drive(int gsi, boolean up) {
        if (gsi < 0 || gsi >= drivers.length) {
            return;
        }
        if (up) {
            if (drivers[gsi]++ == 0) {
                sink.assertIrq(gsi);
            }
        } else if (drivers[gsi] > 0 && --drivers[gsi] == 0) {
            sink.deassertIrq(gsi);
        }
    }

    synchronized int drivers(int gsi) {
        return gsi >= 0 && gsi < drivers.length ? drivers[gsi] : 0;
    }
}
