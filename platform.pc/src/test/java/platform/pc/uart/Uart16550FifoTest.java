package platform.pc.uart;

import static org.junit.jupiter.api.Assertions.*;
import static platform.pc.uart.Uart16550.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** FCR (PC16550D 8.4), FIFO interrupt mode (8.10), LSR receive bits (8.3), overrun. */
class Uart16550FifoTest {
    @Test
    void fcrEnablesFifosAndIirShowsIt() {
        try (UartRig r = new UartRig()) {
            r.out(FCR, FCR_ENABLE);
            assertEquals(0xC1, r.in(IIR));
            r.out(FCR, 0);
            assertEquals(0x01, r.in(IIR));
        }
    }

    @Test
    void sixteenByteFifoKeepsOrder() {
        try (UartRig r = new UartRig()) {
            r.out(FCR, FCR_ENABLE);
            for (int i = 0; i < 16; i++) {
                r.wire('a' + i);
            }
            assertEquals(0, r.uart.overruns());
            for (int i = 0; i < 16; i++) {
                assertEquals(LSR_DR, r.in(LSR) & (LSR_DR | LSR_OE));
                assertEquals('a' + i, r.in(RBR));
            }
            assertEquals(0, r.in(LSR) & LSR_DR);
            assertEquals('a' + 15, r.in(RBR), "empty RBR reads the last character again");
        }
    }

    @Test
    void overrunInFifoModeLosesTheNewCharacterAndSetsOe() {
        try (UartRig r = new UartRig()) {
            r.out(FCR, FCR_ENABLE);
            for (int i = 0; i < 18; i++) {
                r.wire(i);
            }
            assertEquals(2, r.uart.overruns());
            int lsr = r.in(LSR);
            assertEquals(LSR_OE | LSR_DR, lsr & (LSR_OE | LSR_DR));
            assertEquals(0, r.in(LSR) & LSR_OE, "OE is cleared by reading LSR");
            for (int i = 0; i < 16; i++) {
                assertEquals(i, r.in(RBR));
            }
            assertEquals(0, r.in(LSR) & LSR_DR);
        }
    }

    @Test
    void overrunIn16450ModeOverwritesTheHoldingRegister() {
        try (UartRig r = new UartRig()) {
            r.wire('1');
            r.wire('2');
            assertEquals(1, r.uart.overruns());
            assertEquals(LSR_OE | LSR_DR, r.in(LSR) & (LSR_OE | LSR_DR));
            assertEquals('2', r.in(RBR));
            assertEquals(0, r.in(LSR) & LSR_DR);
        }
    }

    @Test
    void fifoResetBitsClearTheReceiverAndSelfClear() {
        try (UartRig r = new UartRig()) {
            r.out(FCR, FCR_ENABLE);
            r.wire(1, 2, 3);
            r.out(FCR, FCR_ENABLE | FCR_TX_RESET);
            assertEquals(LSR_DR, r.in(LSR) & LSR_DR, "transmit reset leaves the receiver alone");
            r.out(FCR, FCR_ENABLE | FCR_RX_RESET);
            assertEquals(0x60, r.in(LSR));
            r.wire(9);
            assertEquals(9, r.in(RBR), "reset bit self-clears: FIFO works again");
        }
    }

    @Test
    void switchingFifoModeClearsTheFifo() {
        try (UartRig r = new UartRig()) {
            r.out(FCR, FCR_ENABLE);
            r.wire(1, 2);
            r.out(FCR, 0);
            assertEquals(0, r.in(LSR) & LSR_DR);
            r.wire(3);
            r.out(FCR, FCR_ENABLE | 0xC0);
            assertEquals(0, r.in(LSR) & LSR_DR);
        }
    }

    @Test
    void otherFcrBitsNeedBitZero() {
        try (UartRig r = new UartRig()) {
            r.out(FCR, 0xC0); // trigger 14 without enable: not programmed
            r.out(FCR, FCR_ENABLE);
            r.out(IER, IER_ERBFI);
            r.wire(1);
            assertEquals(0xC4, r.in(IIR), "trigger level still 1");
        }
    }

    @ParameterizedTest
    @CsvSource({"0x00,1", "0x40,4", "0x80,8", "0xC0,14"})
    void receivedDataInterruptAtTriggerLevel(int bits, int level) {
        try (UartRig r = new UartRig()) {
            r.out(FCR, FCR_ENABLE | bits);
            r.out(MCR, MCR_OUT2);
            r.out(IER, IER_ERBFI);
            for (int i = 0; i < level - 1; i++) {
                r.wire(i);
            }
            assertEquals(0xC1, r.in(IIR), "below the trigger level");
            assertFalse(r.irq);
            r.wire(0x55);
            assertEquals(0xC4, r.in(IIR));
            assertTrue(r.irq);
            r.in(RBR);
            if (level > 1) {
                assertEquals(0xC1, r.in(IIR), "cleared when the FIFO drops below the trigger level");
            } else {
                assertEquals(0xC1, r.in(IIR));
            }
            assertFalse(r.irq);
        }
    }

    @Test
    void characterTimeoutAfterFourCharacterTimes() {
        try (UartRig r = new UartRig()) {
            r.out(LCR, 0x03); // 8N1, divisor 12: 1 041 666 ns per character
            long ch = r.uart.characterTimeNanos();
            assertEquals(1_041_666, ch);
            r.out(FCR, FCR_ENABLE | 0xC0); // trigger 14
            r.out(MCR, MCR_OUT2);
            r.out(IER, IER_ERBFI);
            r.wire('a', 'b');
            r.advance(4 * ch - 1);
            assertEquals(0xC1, r.in(IIR));
            r.wire('c'); // a new character restarts the timer
            r.advance(4 * ch - 1);
            assertFalse(r.irq);
            r.advance(1);
            assertTrue(r.irq);
            assertEquals(0xCC, r.in(IIR));
            assertEquals(0xCC, r.in(IIR), "reading IIR does not clear the timeout");
            assertEquals('a', r.in(RBR));
            assertEquals(0xC1, r.in(IIR), "reading RBR clears it and restarts the timer");
            assertFalse(r.irq);
            r.advance(4 * ch);
            assertEquals(0xCC, r.in(IIR));
            r.in(RBR);
            r.in(RBR);
            r.advance(10 * ch);
            assertEquals(0xC1, r.in(IIR), "no timeout with an empty FIFO");
        }
    }

    @Test
    void noCharacterTimeoutIn16450Mode() {
        try (UartRig r = new UartRig()) {
            r.out(IER, IER_ERBFI);
            r.wire('a');
            r.advance(1_000_000_000L);
            assertEquals(0x04, r.in(IIR));
        }
    }

    @Test
    void timerThreadRaisesTheTimeoutOnItsOwn() throws Exception {
        var timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        var line = new MemoryBackend();
        var level = new java.util.concurrent.atomic.AtomicBoolean();
        try (Uart16550 u = new Uart16550(COM1_BASE, line, level::set, System::nanoTime, timer)) {
            u.out(COM1_BASE + LCR, 1, LCR_DLAB);
            u.out(COM1_BASE + DLL, 1, 1); // 115200 baud: timeout after ~350 us
            u.out(COM1_BASE + LCR, 1, 0x03);
            u.out(COM1_BASE + FCR, 1, 0xC1);
            u.out(COM1_BASE + MCR, 1, MCR_OUT2);
            u.out(COM1_BASE + IER, 1, IER_ERBFI);
            line.send((byte) 'z');
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!level.get() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(level.get(), "IRQ raised by the timeout timer");
            assertEquals(0xCC, u.in(COM1_BASE + IIR, 1));
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void lineErrorsAreReportedWhenTheCharacterReachesTheTop() {
        try (UartRig r = new UartRig()) {
            r.out(FCR, FCR_ENABLE);
            r.wire('a');
            r.line.pushWire('b', SerialReceiver.PARITY_ERROR);
            r.line.pushWire(0, SerialReceiver.BREAK | SerialReceiver.FRAMING_ERROR);
            assertEquals(LSR_DR | LSR_THRE | LSR_TEMT | LSR_RX_FIFO_ERROR, r.in(LSR));
            assertEquals('a', r.in(RBR));
            assertEquals(LSR_DR | LSR_PE | LSR_THRE | LSR_TEMT | LSR_RX_FIFO_ERROR, r.in(LSR));
            assertEquals(LSR_DR | LSR_THRE | LSR_TEMT | LSR_RX_FIFO_ERROR, r.in(LSR), "PE cleared by read");
            assertEquals('b', r.in(RBR));
            assertEquals(LSR_DR | LSR_BI | LSR_FE | LSR_THRE | LSR_TEMT | LSR_RX_FIFO_ERROR, r.in(LSR));
            assertEquals(0, r.in(RBR));
            assertEquals(LSR_THRE | LSR_TEMT | LSR_RX_FIFO_ERROR, r.in(LSR), "bit 7 until an LSR read");
            assertEquals(LSR_THRE | LSR_TEMT, r.in(LSR), "no error left in the FIFO: cleared");
            r.out(FCR, 0);
            r.line.pushWire('p', SerialReceiver.PARITY_ERROR);
            assertEquals(LSR_DR | LSR_PE | LSR_THRE | LSR_TEMT, r.in(LSR), "no bit 7 in 16450 mode");
        }
    }

    @Test
    void flowControlledInputWaitsForRoomAndLosesNothing() throws Exception {
        try (UartRig r = new UartRig()) {
            r.out(FCR, FCR_ENABLE);
            byte[] data = new byte[100];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) i;
            }
            r.line.send(data);
            for (int i = 0; i < data.length; i++) {
                long deadline = System.nanoTime() + 5_000_000_000L;
                while ((r.in(LSR) & LSR_DR) == 0) {
                    assertTrue(System.nanoTime() < deadline, "byte " + i + " delivered");
                    Thread.sleep(1);
                }
                assertEquals(i, r.in(RBR));
            }
            assertTrue(r.line.awaitDelivered(5000));
            assertEquals(0, r.uart.overruns());
        }
    }
}
