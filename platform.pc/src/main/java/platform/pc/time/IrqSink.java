package platform.pc.time;

import java.util.function.IntConsumer;

/**
 * Where a time device drives its interrupt lines (an IOAPIC input, a PIC, or a test).
 *
 * <p>{@code gsi} is the global system interrupt number of the line (an IOAPIC input pin; the
 * ISA IRQ number for the legacy devices, IRQ 0 for the PIT and IRQ 8 for the RTC, which the
 * board maps through its interrupt source overrides). {@link #assertIrq} drives the line
 * active, {@link #deassertIrq} drives it inactive. Level-triggered sources hold the line
 * asserted until the cause is cleared; edge-triggered sources deliver a pulse (assert
 * immediately followed by deassert).
 *
 * <p>Devices call the sink with their own lock held: an implementation must not call back
 * into the device that raised the line, and must not block for long.
 */
public interface IrqSink {
    void assertIrq(int gsi);

    void deassertIrq(int gsi);

    /** A sink from two functions, e.g. {@code IrqSink.of(ioApic::assertIrq, ioApic::deassertIrq)}. */
    static IrqSink of(IntConsumer assertFn, IntConsumer deassertFn) {
        return new IrqSink() {
            @Override
            public void assertIrq(int gsi) {
                assertFn.accept(gsi);
            }

            @Override
            public void deassertIrq(int gsi) {
                deassertFn.accept(gsi);
            }
        };
    }

    /** A sink that drops every interrupt (a device not yet connected). */
    IrqSink NONE = new IrqSink() {
        @Override
        public void assertIrq(int gsi) {
        }

        @Override
        public void deassertIrq(int gsi) {
        }
    };
}
