package platform.pc.uart;

import static org.junit.jupiter.api.Assertions.*;
import static platform.pc.uart.Uart16550.*;

import org.junit.jupiter.api.Test;

/**
 * IIR/IER (PC16550D 8.5, Table III priorities and reset rules), THRE interrupt, MSR (8.7),
 * loopback (8.6) and the PC's OUT2 gate on the IRQ line.
 */
class Uart16550InterruptTest {
    @Test
    void threInterruptOnEnableClearedByIirReadRaisedAgainByTransmission() {
        try (UartRig r = new UartRig()) {
            r.out(MCR, MCR_OUT2);
            r.out(IER, IER_ETBEI);
            assertTrue(r.irq, "enabling ETBEI with THR empty raises THRE");
            assertEquals(IIR_THRE, r.in(IIR));
            assertFalse(r.irq, "reading IIR cleared THRE, the reported source");
            assertEquals(IIR_NONE, r.in(IIR));
            r.out(IER, IER_ETBEI); // no 0->1 transition: nothing new
            assertEquals(IIR_NONE, r.in(IIR));
            r.out(THR, 'x');
            assertTrue(r.irq, "THR emptied after the (immediate) transmission");
            assertEquals(LSR_THRE | LSR_TEMT, r.in(LSR));
            assertEquals(IIR_THRE, r.in(IIR));
            assertArrayEquals(new byte[] {'x'}, r.line.transmitted());
            assertEquals(1, r.uart.transmittedBytes());
        }
    }

    @Test
    void threPendsWhileDisabledAndIsReportedWhenEnabled() {
        try (UartRig r = new UartRig()) {
            r.out(THR, 'a');
            r.out(IER, IER_ERBFI);
            assertEquals(IIR_NONE, r.in(IIR));
            r.out(IER, IER_ERBFI | IER_ETBEI);
            assertEquals(IIR_THRE, r.in(IIR));
        }
    }

    @Test
    void threIsNotClearedByIirReadWhenAHigherSourceIsReported() {
        try (UartRig r = new UartRig()) {
            r.out(IER, IER_ERBFI | IER_ETBEI);
            r.wire('q');
            assertEquals(IIR_RDA, r.in(IIR));
            assertEquals('q', r.in(RBR));
            assertEquals(IIR_THRE, r.in(IIR), "THRE still pending underneath");
            assertEquals(IIR_NONE, r.in(IIR));
        }
    }

    @Test
    void prioritiesLineStatusThenDataThenThreThenModem() {
        try (UartRig r = new UartRig()) {
            r.out(FCR, FCR_ENABLE);
            r.out(MCR, MCR_OUT2);
            r.line.setModemInputs(SerialBackend.CONNECTED); // modem status source
            for (int i = 0; i < 17; i++) {
                r.wire(i); // data + an overrun
            }
            r.out(IER, 0x0F); // ETBEI 0->1: THRE source
            assertTrue(r.irq);
            assertEquals(0xC0 | IIR_RLS, r.in(IIR));
            assertEquals(0xC0 | IIR_RLS, r.in(IIR), "IIR read does not clear line status");
            assertEquals(LSR_OE, r.in(LSR) & LSR_OE);
            assertEquals(0xC0 | IIR_RDA, r.in(IIR));
            for (int i = 0; i < 16; i++) {
                r.in(RBR);
            }
            assertEquals(0xC0 | IIR_THRE, r.in(IIR));
            assertEquals(0xC0 | IIR_MODEM, r.in(IIR), "THRE cleared by the IIR read that reported it");
            assertTrue(r.irq);
            assertEquals(MSR_DCTS | MSR_DDSR | MSR_DDCD | 0xB0, r.in(MSR));
            assertEquals(0xC0 | IIR_NONE, r.in(IIR), "MSR read cleared modem status");
            assertFalse(r.irq);
        }
    }

    @Test
    void disabledSourcesAreNotReported() {
        try (UartRig r = new UartRig()) {
            r.out(MCR, MCR_OUT2);
            r.wire(1, 2);
            r.line.setModemInputs(0x10);
            r.out(IER, IER_ELSI);
            assertEquals(IIR_RLS, r.in(IIR));
            r.in(LSR);
            assertEquals(IIR_NONE, r.in(IIR));
            assertFalse(r.irq);
            r.out(IER, IER_EDSSI);
            assertEquals(IIR_MODEM, r.in(IIR));
        }
    }

    @Test
    void out2GatesTheIrqLineLikeAPc() {
        try (UartRig r = new UartRig()) {
            r.out(IER, IER_ERBFI);
            r.wire('a');
            assertTrue(r.uart.interruptPending(), "INTR is asserted");
            assertFalse(r.irq, "but OUT2 is off");
            r.out(MCR, MCR_OUT2);
            assertTrue(r.irq);
            assertTrue(r.uart.irqLevel());
            r.out(MCR, 0);
            assertFalse(r.irq);
            r.out(MCR, MCR_OUT2 | MCR_DTR | MCR_RTS);
            assertTrue(r.irq);
            r.in(RBR);
            assertFalse(r.irq);
            assertEquals(java.util.List.of(true, false, true, false), r.irqEdges);
        }
    }

    @Test
    void modemStatusDeltasFromTheBackend() {
        try (UartRig r = new UartRig()) {
            r.line.setModemInputs(MSR_CTS | MSR_RI);
            assertEquals(MSR_DCTS | MSR_CTS | MSR_RI, r.in(MSR));
            assertEquals(MSR_CTS | MSR_RI, r.in(MSR), "deltas cleared by reading");
            r.line.setModemInputs(MSR_DCD);
            assertEquals(MSR_DCTS | MSR_TERI | MSR_DDCD | MSR_DCD, r.in(MSR), "TERI on RI going inactive");
            r.line.setModemInputs(MSR_DCD | MSR_RI);
            assertEquals(MSR_DCD | MSR_RI, r.in(MSR), "RI rising edge sets no delta");
            r.line.setModemInputs(MSR_DSR);
            assertEquals(MSR_DDSR | MSR_TERI | MSR_DDCD | MSR_DSR, r.in(MSR));
        }
    }

    @Test
    void loopbackReturnsTransmittedBytesAndDisconnectsTheLine() {
        try (UartRig r = new UartRig()) {
            r.out(FCR, FCR_ENABLE);
            r.out(MCR, MCR_LOOP);
            r.out(THR, 0xA5);
            r.out(THR, 0x5A);
            assertEquals(0, r.line.transmitted().length, "nothing leaves in loopback");
            assertEquals(LSR_DR | LSR_THRE | LSR_TEMT, r.in(LSR));
            assertEquals(0xA5, r.in(RBR));
            assertEquals(0x5A, r.in(RBR));
            r.wire('w');
            assertEquals(0, r.in(LSR) & LSR_DR, "serial input disconnected");
            assertEquals(1, r.uart.lineDrops());
            for (int i = 0; i < 17; i++) {
                r.out(THR, i);
            }
            assertEquals(1, r.uart.overruns(), "loopback overruns like the wire");
            assertEquals(LSR_OE, r.in(LSR) & LSR_OE);
        }
    }

    @Test
    void flowControlledInputWaitsWhileInLoopback() throws Exception {
        try (UartRig r = new UartRig()) {
            r.out(MCR, MCR_LOOP);
            r.line.send((byte) 'z');
            assertFalse(r.line.awaitDelivered(100));
            assertEquals(0, r.in(LSR) & LSR_DR);
            r.out(MCR, 0);
            assertTrue(r.line.awaitDelivered(5000));
            assertEquals('z', r.in(RBR));
        }
    }

    @Test
    void loopbackModemStatusAndInterrupts() {
        try (UartRig r = new UartRig(SerialBackend.CONNECTED)) {
            // Linux's 8250 probe: MCR = LOOP | OUT2 | RTS gives CTS and DCD only.
            r.out(MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
            assertEquals(0x90, r.in(MSR) & 0xF0);
            r.out(MCR, MCR_LOOP | MCR_DTR | MCR_OUT1);
            int msr = r.in(MSR);
            assertEquals(MSR_DSR | MSR_RI, msr & 0xF0);
            assertEquals(MSR_DCTS | MSR_DDSR | MSR_DDCD, msr & 0x0F & ~MSR_TERI);
            r.out(MCR, MCR_LOOP | MCR_DTR);
            assertEquals(MSR_TERI | MSR_DSR, r.in(MSR), "OUT1 -> RI falling edge");
            // Interrupts still work inside the chip; on a PC OUT2 is forced inactive in loopback.
            r.out(IER, IER_EDSSI);
            r.out(MCR, MCR_LOOP | MCR_OUT2);
            assertTrue(r.uart.interruptPending());
            assertEquals(IIR_MODEM, r.in(IIR));
            assertFalse(r.irq, "IRQ gated: OUT2 pin inactive in loopback");
            r.in(MSR);
            r.out(MCR, MCR_OUT2);
            assertEquals(0xB0, r.in(MSR) & 0xF0, "back to the backend's inputs");
        }
    }
}
