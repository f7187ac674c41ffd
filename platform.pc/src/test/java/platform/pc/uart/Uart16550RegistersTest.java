package platform.pc.uart;

import static org.junit.jupiter.api.Assertions.*;
import static platform.pc.uart.Uart16550.*;

import org.junit.jupiter.api.Test;
import platform.pc.IoPorts;

/** Register file, reset states (PC16550D Table IV), DLAB (8.1, 8.2), SCR (8.8), odd accesses. */
class Uart16550RegistersTest {
    @Test
    void resetValuesOfEveryRegister() {
        try (UartRig r = new UartRig()) {
            assertEquals(0x00, r.in(IER), "IER");
            assertEquals(0x01, r.in(IIR), "IIR: no interrupt pending, FIFOs off");
            assertEquals(0x00, r.in(LCR), "LCR");
            assertEquals(0x00, r.in(MCR), "MCR");
            assertEquals(0x60, r.in(LSR), "LSR: THRE and TEMT");
            assertEquals(0x00, r.in(MSR), "MSR: no deltas, no inputs");
            assertEquals(0x00, r.in(SCR), "SCR");
            assertFalse(r.irq);
            assertFalse(r.uart.interruptPending());
        }
    }

    @Test
    void msrResetReflectsTheInputsWithoutDeltas() {
        try (UartRig r = new UartRig(SerialBackend.CONNECTED)) {
            assertEquals(0xB0, r.in(MSR));
        }
    }

    @Test
    void masterResetFollowsTableIvAndKeepsDivisorAndScratch() {
        try (UartRig r = new UartRig()) {
            r.out(LCR, 0x83);
            r.out(DLL, 0x01);
            r.out(DLM, 0x02);
            r.out(LCR, 0x03);
            r.out(IER, 0x0F);
            r.out(FCR, 0xC7);
            r.out(MCR, 0x1F);
            r.out(SCR, 0x5A);
            r.uart.reset();
            assertEquals(0, r.in(IER));
            assertEquals(0x01, r.in(IIR));
            assertEquals(0, r.in(LCR));
            assertEquals(0, r.in(MCR));
            assertEquals(0x60, r.in(LSR));
            assertEquals(0, r.in(MSR));
            assertEquals(0x5A, r.in(SCR));
            r.out(LCR, 0x80);
            assertEquals(0x01, r.in(DLL));
            assertEquals(0x02, r.in(DLM));
        }
    }

    @Test
    void dlabSwitchesOffsetsZeroAndOneToTheDivisorLatch() {
        try (UartRig r = new UartRig()) {
            r.out(LCR, LCR_DLAB);
            assertEquals(12, r.in(DLL), "power-on divisor 12 = 9600 baud");
            assertEquals(0, r.in(DLM));
            r.out(DLL, 0x01);
            r.out(DLM, 0x00);
            assertEquals(0x01, r.in(DLL));
            r.out(LCR, 0x03);
            assertEquals(0, r.in(IER), "IER untouched by DLM write");
            assertEquals(0, r.line.transmitted().length, "DLL write is not a transmission");
            r.out(THR, 'A');
            r.out(IER, 0x01);
            assertArrayEquals(new byte[] {'A'}, r.line.transmitted());
            r.out(LCR, 0x83);
            assertEquals(0x01, r.in(DLL));
            assertEquals(0x00, r.in(DLM));
            assertEquals(0x83, r.in(LCR));
            assertEquals(1_000_000_000L * 10 / 115200, r.uart.characterTimeNanos(), "8N1 at 115200");
        }
    }

    @Test
    void registersKeepWrittenBitsOnly() {
        try (UartRig r = new UartRig()) {
            r.out(IER, 0xFF);
            assertEquals(0x0F, r.in(IER));
            r.out(IER, 0);
            r.out(MCR, 0xFF);
            assertEquals(0x1F, r.in(MCR));
            r.out(MCR, 0);
            r.out(SCR, 0xA5);
            assertEquals(0xA5, r.in(SCR));
            r.out(LSR, 0x00); // read-only: ignored
            assertEquals(0x60, r.in(LSR));
        }
    }

    @Test
    void wrongSizesAndForeignPortsAreIgnoredWithoutExceptions() {
        try (UartRig r = new UartRig()) {
            r.out(SCR, 0x11);
            r.wire('x');
            assertEquals(0xFFFF, r.uart.in(COM1_BASE, 2) & 0xFFFF);
            assertEquals(-1, r.uart.in(COM1_BASE + LSR, 4));
            r.uart.out(COM1_BASE + SCR, 2, 0x2222);
            r.uart.out(COM1_BASE + THR, 4, 0x41414141);
            r.uart.out(COM1_BASE + 8, 1, 0);
            assertEquals(-1, r.uart.in(COM1_BASE - 1, 1));
            r.uart.out(COM1_BASE, 3, 0);
            assertEquals(0x11, r.in(SCR));
            assertEquals(0, r.line.transmitted().length);
            assertEquals('x', r.in(RBR), "the 16-bit read did not consume the character");
            assertEquals(7, r.uart.badAccesses());
        }
    }

    @Test
    void worksThroughTheIoPortSpace() {
        try (UartRig r = new UartRig()) {
            IoPorts io = new IoPorts();
            io.register(COM1_BASE, PORT_COUNT, r.uart);
            io.out(COM1_BASE + SCR, 1, 0x42);
            assertEquals(0x42, io.in(COM1_BASE + SCR, 1));
            assertEquals(0xFFFF, io.in(COM1_BASE + SCR, 2));
            io.out(COM1_BASE, 1, 'k');
            assertArrayEquals(new byte[] {'k'}, r.line.transmitted());
        }
    }
}
