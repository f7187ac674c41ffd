package platform.pc;

import java.util.concurrent.atomic.LongAdder;

/**
 * An I/O APIC (Intel 82093AA register model, version 0x20) with 24 redirection entries,
 * mapped as a 4 KiB MMIO window (normally at {@link Machine#IOAPIC_BASE}).
 *
 * <p>Registers are reached indirectly: the index is written to IOREGSEL (offset 0x00, bits
 * 7:0) and the register is read or written through IOWIN (offset 0x10), both 32-bit. The
 * EOI register (offset 0x40, version 0x20 and later) takes a vector and acts like an EOI
 * broadcast for it. Indices: 0x00 ID (bits 27:24), 0x01 VER (read-only, {@code 0x00170020}:
 * max redirection entry 23, version 0x20), 0x02 ARB (read-only, the ID), 0x10 + 2n / 0x11 + 2n
 * the low/high halves of redirection entry n: vector (7:0), delivery mode (10:8: fixed,
 * lowest priority, SMI, NMI, INIT, ExtINT), destination mode (11: physical/logical),
 * delivery status (12, read-only), polarity (13), remote IRR (14, read-only), trigger mode
 * (15: edge/level), mask (16), destination (63:56). After reset every entry is masked and
 * its other fields are zero. Unknown indices read 0 and ignore writes; accesses other than
 * aligned 32-bit ones to IOREGSEL, IOWIN and EOI are ignored (reads return all-ones).
 *
 * <p>Inputs: devices call {@link #assertIrq}/{@link #deassertIrq} with the global system
 * interrupt number (0..23). PCI's INTx wires (already OR-ed among PCI functions by the host
 * bridge) come in through {@link #assertPciIrq}/{@link #deassertPciIrq}: a pin's level is the
 * wired-OR of the two, so a device that shares a PCI GSI (the HPET can route its timers to
 * GSIs 20..23) neither hides nor drops a PCI function's assertion. The argument is the
 * <em>logical</em> state of the line
 * (asserted = requesting); the polarity bit is stored for the software but the wiring's
 * electrical inversion is not modelled. An edge-triggered entry delivers once per rising
 * edge, only if unmasked at that moment (an edge on a masked pin is lost). A level-triggered
 * entry delivers while the line is asserted, the entry unmasked and its remote IRR clear;
 * delivery sets remote IRR, and the EOI for its vector (broadcast by a local APIC or written to
 * the EOI register) clears it and delivers again if the line is still asserted. Unmasking an
 * asserted level entry delivers it. Messages travel on the {@link ApicBus} the IOAPIC is
 * attached to.
 *
 * <p>Thread-safe; messages are sent outside this object's lock.
 */
public final class IoApic implements MmioHandler {
    public static final int PINS = 24;
    public static final int VERSION = 0x0017_0020;
    public static final int IOREGSEL = 0x00, IOWIN = 0x10, EOI = 0x40;
    public static final long WINDOW_SIZE = 0x1000;
    public static final int REDTBL = 0x10;

    public static final long MASKED = 1L << 16, LEVEL = 1L << 15, REMOTE_IRR = 1L << 14, DELIVERY_STATUS = 1L << 12;
    private static final long WRITABLE = 0xFF00_0000_0000_0000L | MASKED | LEVEL | (1L << 13) | (1L << 11)
            | (7L << 8) | 0xFF;

    private final long[] redirection = new long[PINS];
    private final boolean[] asserted = new boolean[PINS];
    private final boolean[] pciAsserted = new boolean[PINS];
    private int ioregsel;
    private int id;
    private volatile ApicBus bus;
    private final LongAdder badAccesses = new LongAdder();
    private final LongAdder delivered = new LongAdder();

    /** An IOAPIC with the given 4-bit ID, all entries masked. */
    public IoApic(int id) {
        this.id = (id & 0xF) << 24;
        for (int i = 0; i < PINS; i++) {
            redirection[i] = MASKED;
        }
    }

    void attachBus(ApicBus b) {
        this.bus = b;
    }

    // ---------------------------------------------------------------- MMIO

    @Override
    public synchronized long read(long offset, int size) {
        if (size != 4) {
            badAccesses.increment();
            return -1L >>> (64 - 8 * Math.max(1, Math.min(8, size)));
        }
        if (offset == IOREGSEL) {
            return ioregsel & 0xFFFF_FFFFL;
        }
        if (offset == IOWIN) {
            return readIndex(ioregsel) & 0xFFFF_FFFFL;
        }
        badAccesses.increment();
        return 0xFFFF_FFFFL;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size != 4) {
            badAccesses.increment();
            return;
        }
        int pin = -1;
        synchronized (this) {
            if (offset == IOREGSEL) {
                ioregsel = (int) value & 0xFF;
                return;
            } else if (offset == IOWIN) {
                pin = writeIndex(ioregsel, (int) value);
            } else if (offset != EOI) {
                badAccesses.increment();
                return;
            }
        }
        if (offset == EOI) {
            eoi((int) value & 0xFF);
        } else if (pin >= 0) {
            service(pin);
        }
    }

    /** Reads register {@code index} (the value IOWIN would show). */
    public synchronized int readIndex(int index) {
        return switch (index) {
            case 0x00 -> id;
            case 0x01 -> VERSION;
            case 0x02 -> id;
            default -> {
                int e = index - REDTBL;
                if (e >= 0 && e < 2 * PINS) {
                    long r = redirection[e >> 1];
                    yield (e & 1) == 0 ? (int) r : (int) (r >>> 32);
                }
                yield 0;
            }
        };
    }

    /** Writes register {@code index}; returns the pin to service afterwards, or -1. */
    private int writeIndex(int index, int value) {
        if (index == 0x00) {
            id = value & 0x0F00_0000;
            return -1;
        }
        int e = index - REDTBL;
        if (e < 0 || e >= 2 * PINS) {
            return -1; // VER, ARB read-only; unknown ignored
        }
        int pin = e >> 1;
        long r = redirection[pin];
        long v = value & 0xFFFF_FFFFL;
        long n = (e & 1) == 0 ? (r & 0xFFFF_FFFF_0000_0000L) | v : (r & 0xFFFF_FFFFL) | (v << 32);
        n = (n & WRITABLE) | (r & REMOTE_IRR);
        if ((n & LEVEL) == 0) {
            n &= ~REMOTE_IRR; // remote IRR is undefined for edge entries: keep it clear
        }
        redirection[pin] = n;
        return pin;
    }

    /** The redirection entry of {@code pin} as 64 bits. */
    public synchronized long redirectionEntry(int pin) {
        return redirection[pin];
    }

    public long badAccesses() {
        return badAccesses.sum();
    }

    /** Interrupt messages sent to at least one local APIC. */
    public long deliveredCount() {
        return delivered.sum();
    }

    // ---------------------------------------------------------------- inputs

    /** Asserts interrupt input {@code gsi} (0..23; others ignored). */
    public void assertIrq(int gsi) {
        drive(gsi, asserted, true);
    }

    /** De-asserts interrupt input {@code gsi}. */
    public void deassertIrq(int gsi) {
        drive(gsi, asserted, false);
    }

    /** Asserts the PCI INTx wire of input {@code gsi} (OR-ed with the direct input). */
    public void assertPciIrq(int gsi) {
        drive(gsi, pciAsserted, true);
    }

    /** De-asserts the PCI INTx wire of input {@code gsi}. */
    public void deassertPciIrq(int gsi) {
        drive(gsi, pciAsserted, false);
    }

    /** True while input {@code gsi} is asserted (either source). */
    public synchronized boolean inputAsserted(int gsi) {
        return gsi >= 0 && gsi < PINS && level(gsi);
    }

    private boolean level(int pin) {
        return asserted[pin] || pciAsserted[pin];
    }

    private void drive(int gsi, boolean[] input, boolean value) {
        if (gsi < 0 || gsi >= PINS) {
            return;
        }
        boolean edge;
        synchronized (this) {
            boolean was = level(gsi);
            input[gsi] = value;
            if (!value) {
                return;
            }
            long r = redirection[gsi];
            edge = !was && (r & LEVEL) == 0 && (r & MASKED) == 0;
        }
        if (edge) {
            send(gsi);
        } else {
            service(gsi);
        }
    }

    /** Asserts then de-asserts {@code gsi}: one edge. */
    public void pulseIrq(int gsi) {
        assertIrq(gsi);
        deassertIrq(gsi);
    }

    /** An EOI for {@code vector}: clears remote IRR of level entries with that vector, re-delivering if still asserted. */
    public void eoi(int vector) {
        boolean[] again = new boolean[PINS];
        synchronized (this) {
            for (int i = 0; i < PINS; i++) {
                long r = redirection[i];
                if ((r & LEVEL) != 0 && (r & REMOTE_IRR) != 0 && (r & 0xFF) == vector) {
                    redirection[i] = r & ~REMOTE_IRR;
                    again[i] = true;
                }
            }
        }
        for (int i = 0; i < PINS; i++) {
            if (again[i]) {
                service(i);
            }
        }
    }

    /** Delivers a level-triggered pin if it is asserted, unmasked and not awaiting EOI. */
    private void service(int pin) {
        synchronized (this) {
            long r = redirection[pin];
            if ((r & LEVEL) == 0 || !level(pin) || (r & MASKED) != 0 || (r & REMOTE_IRR) != 0) {
                return;
            }
            redirection[pin] = r | REMOTE_IRR; // claimed; dropped again below if nobody got it
        }
        if (!send(pin)) {
            synchronized (this) {
                redirection[pin] &= ~REMOTE_IRR;
            }
        }
    }

    private boolean send(int pin) {
        long r;
        synchronized (this) {
            r = redirection[pin];
        }
        ApicBus b = bus;
        if (b == null) {
            return false;
        }
        int n = b.deliver((int) (r & 0xFF), (int) ((r >> 8) & 7), (r & (1L << 11)) != 0, (int) (r >>> 56),
                (r & LEVEL) != 0, ApicBus.NO_SHORTHAND, null);
        if (n > 0) {
            delivered.increment();
        }
        return n > 0;
    }
}
