package platform.pc.uart;

import static platform.pc.uart.Uart16550.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Test fixture: a COM1 UART on a memory backend, a manual clock and a recorded IRQ line. */
final class UartRig implements AutoCloseable {
    final AtomicLong now = new AtomicLong(1_000_000_000L);
    final List<Boolean> irqEdges = new ArrayList<>();
    volatile boolean irq;
    final MemoryBackend line;
    final Uart16550 uart;

    UartRig() {
        this(0);
    }

    UartRig(int modemInputs) {
        line = new MemoryBackend(modemInputs);
        uart = new Uart16550(COM1_BASE, line, level -> {
            irq = level;
            synchronized (irqEdges) {
                irqEdges.add(level);
            }
        }, now::get, null);
    }

    int in(int reg) {
        return uart.in(COM1_BASE + reg, 1);
    }

    void out(int reg, int v) {
        uart.out(COM1_BASE + reg, 1, v);
    }

    /** Delivers bytes as a wire would (no flow control). */
    void wire(int... bytes) {
        for (int b : bytes) {
            line.pushWire(b, 0);
        }
    }

    void advance(long nanos) {
        now.addAndGet(nanos);
        uart.poll();
    }

    @Override
    public void close() {
        uart.close();
    }
}
