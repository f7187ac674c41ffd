package platform.pc.pci;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import platform.pc.IoPorts;
import platform.pc.MmioHandler;
import platform.pc.PhysicalBus;
import platform.pc.PortHandler;

/**
 * The PCI host bridge: owns PCI bus 0 and exposes configuration space through ECAM (PCI
 * Express enhanced configuration access: a memory window where the config byte
 * {@code reg} of bus {@code b}, device {@code d}, function {@code f} lives at offset
 * {@code b << 20 | d << 15 | f << 12 | reg}) and, for legacy code, through the 0xCF8/0xCFC
 * port pair. The bridge itself is function 00:00.0 (Intel Q35 host bridge, 8086:29C0,
 * class 060000).
 *
 * <p>Only bus 0 is populated; the ECAM window covers {@code busCount} buses. Config reads of
 * an absent function return all-ones (vendor 0xFFFF); writes to it are dropped.
 *
 * <p>Firmware duty: {@link #assignResources()} does what SeaBIOS does at power-on — it gives
 * every BAR of every function a naturally aligned address, memory BARs (32- and 64-bit) in
 * {@link #MMIO_WINDOW_START}..{@link #MMIO_WINDOW_END} and I/O BARs in
 * {@link #IO_WINDOW_START}..0xFFFF, largest first, and leaves COMMAND at 0: the kernel's
 * driver enables memory space and bus mastering itself. Functions attached after that get
 * their BARs assigned on attach (as if by ACPI hot-plug firmware).
 */
public final class PciHostBridge implements MmioHandler {
    public static final long MMIO_WINDOW_START = 0xC000_0000L;
    public static final long MMIO_WINDOW_END = 0xFEC0_0000L; // exclusive: IOAPIC, HPET, MSI above
    public static final int IO_WINDOW_START = 0xC000;
    public static final int IO_WINDOW_END = 0x1_0000; // exclusive
    /** INTx line number written by the firmware for functions with an interrupt pin. */
    public static final int LEGACY_IRQ = 11;

    private final PhysicalBus bus;
    private final IoPorts io;
    private final long ecamBase;
    private final int busCount;
    private final PciFunction[][] slots = new PciFunction[32][8];
    private boolean resourcesAssigned;
    private long memCursor = MMIO_WINDOW_START;
    private int ioCursor = IO_WINDOW_START;
    private int unassignedBars;
    private int cf8;

    /**
     * Creates the bridge, maps its ECAM window ({@code busCount << 20} bytes at
     * {@code ecamBase}, which must be aligned to its size) on {@code bus}, claims ports
     * 0xCF8-0xCFF on {@code io}, and attaches the host bridge function at 00:00.0.
     */
    public PciHostBridge(PhysicalBus bus, IoPorts io, long ecamBase, int busCount) {
        if (busCount < 1 || busCount > 256 || Integer.bitCount(busCount) != 1
                || (ecamBase & ((long) busCount << 20) - 1) != 0) {
            throw new IllegalArgumentException("bad ECAM window");
        }
        this.bus = bus;
        this.io = io;
        this.ecamBase = ecamBase;
        this.busCount = busCount;
        bus.mapMmio(ecamBase, ecamSize(), this, "pci-ecam");
        io.register(0xCF8, 8, new LegacyConfigPorts());
        attach(0, 0, new HostBridgeFunction());
    }

    /** Physical base of the ECAM window. */
    public long ecamBase() {
        return ecamBase;
    }

    /** Number of buses the ECAM window covers (0..busCount-1). */
    public int busCount() {
        return busCount;
    }

    /** Size of the ECAM window in bytes. */
    public long ecamSize() {
        return (long) busCount << 20;
    }

    /** Attaches {@code fn} as function 0 of device {@code device} (1..31) on bus 0. */
    public void attach(int device, PciFunction fn) {
        attach(device, 0, fn);
    }

    /**
     * Attaches {@code fn} at 00:{@code device}.{@code function}. The slot must be free.
     * After power-on, the function's BARs are assigned immediately.
     */
    public synchronized void attach(int device, int function, PciFunction fn) {
        if (device < 0 || device > 31 || function < 0 || function > 7) {
            throw new IllegalArgumentException("bad PCI address " + device + "." + function);
        }
        if (slots[device][function] != null) {
            throw new IllegalStateException(String.format("PCI slot 00:%02x.%d is occupied", device, function));
        }
        fn.attach(bus, io, String.format("00:%02x.%d", device, function));
        slots[device][function] = fn;
        if (resourcesAssigned) {
            assign(List.of(fn));
        }
    }

    /**
     * Removes every function of device {@code device} (hot-unplug): their BARs are unmapped.
     * Returns function 0 (or null if the slot was empty). The caller owns the removed
     * functions and should {@link PciFunction#close()} them.
     */
    public synchronized PciFunction detach(int device) {
        if (device <= 0 || device > 31) {
            throw new IllegalArgumentException("bad PCI device " + device);
        }
        PciFunction f0 = slots[device][0];
        for (int f = 0; f < 8; f++) {
            PciFunction fn = slots[device][f];
            if (fn != null) {
                fn.detach();
                slots[device][f] = null;
            }
        }
        return f0;
    }

    /** The function at {@code b:d.f}, or null. */
    public synchronized PciFunction function(int b, int device, int function) {
        if (b != 0 || device < 0 || device > 31 || function < 0 || function > 7) {
            return null;
        }
        return slots[device][function];
    }

    /** All attached functions in bus/device/function order. */
    public synchronized List<PciFunction> functions() {
        List<PciFunction> out = new ArrayList<>();
        for (PciFunction[] slot : slots) {
            for (PciFunction f : slot) {
                if (f != null) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    /** Firmware BAR assignment for every attached function (see class comment). Idempotent. */
    public synchronized void assignResources() {
        if (!resourcesAssigned) {
            resourcesAssigned = true;
            assign(functions());
        }
    }

    /** BARs that did not fit in their window during assignment. */
    public synchronized int unassignedBars() {
        return unassignedBars;
    }

    /** Closes every attached function (power-off). */
    public void closeAll() {
        for (PciFunction f : functions()) {
            try {
                f.close();
            } catch (RuntimeException e) {
                // power-off must reach every device; a failing close is not fatal
            }
        }
    }

    private void assign(List<PciFunction> fns) {
        record Req(PciFunction fn, PciFunction.Bar bar) {
        }
        List<Req> reqs = new ArrayList<>();
        for (PciFunction fn : fns) {
            for (int i = 0; i < 6; i++) {
                if (fn.bar(i) != null) {
                    reqs.add(new Req(fn, fn.bar(i)));
                }
            }
            if (fn.configRead(PciFunction.INTERRUPT_PIN, 1) != 0) {
                fn.configWrite(PciFunction.INTERRUPT_LINE, 1, LEGACY_IRQ);
            }
        }
        reqs.sort(Comparator.comparingLong((Req r) -> r.bar().size()).reversed());
        for (Req r : reqs) {
            PciFunction.Bar bar = r.bar();
            int off = PciFunction.BAR0 + 4 * bar.index();
            if (bar.type() == PciFunction.BarType.IO) {
                int at = (int) align(ioCursor, bar.size());
                if (at + bar.size() > IO_WINDOW_END) {
                    unassignedBars++;
                    continue;
                }
                ioCursor = (int) (at + bar.size());
                r.fn().configWrite(off, 4, at);
            } else {
                long at = align(memCursor, Math.max(bar.size(), 4096));
                if (at + bar.size() > MMIO_WINDOW_END) {
                    unassignedBars++;
                    continue;
                }
                memCursor = at + bar.size();
                r.fn().configWrite(off, 4, at & 0xFFFF_FFFFL);
                if (bar.type() == PciFunction.BarType.MEMORY64) {
                    r.fn().configWrite(off + 4, 4, at >>> 32);
                }
            }
        }
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    // ---- configuration access ------------------------------------------------------------

    private PciFunction target(int b, int d, int f) {
        if (b != 0) {
            return null;
        }
        return slots[d][f];
    }

    private synchronized boolean multiFunction(int d) {
        for (int f = 1; f < 8; f++) {
            if (slots[d][f] != null) {
                return true;
            }
        }
        return false;
    }

    /** Config read of {@code size} (1, 2, 4) bytes; absent functions read all-ones. */
    public long configRead(int b, int d, int f, int reg, int size) {
        PciFunction fn;
        synchronized (this) {
            fn = target(b, d, f);
        }
        long ones = size >= 8 ? -1L : (1L << (8 * size)) - 1;
        if (fn == null) {
            return ones;
        }
        long v = fn.configRead(reg, size);
        if (f == 0 && reg <= PciFunction.HEADER_TYPE && reg + size > PciFunction.HEADER_TYPE && multiFunction(d)) {
            v |= 0x80L << (8 * (PciFunction.HEADER_TYPE - reg));
        }
        return v;
    }

    /** Config write of {@code size} (1, 2, 4) bytes; writes to absent functions are dropped. */
    public void configWrite(int b, int d, int f, int reg, int size, long value) {
        PciFunction fn;
        synchronized (this) {
            fn = target(b, d, f);
        }
        if (fn != null) {
            fn.configWrite(reg, size, value);
        }
    }

    @Override
    public long read(long offset, int size) {
        int b = (int) (offset >>> 20);
        int d = (int) (offset >>> 15) & 31;
        int f = (int) (offset >>> 12) & 7;
        int reg = (int) (offset & 0xFFF);
        if (size == 8) {
            if (reg + 8 > 4096) {
                return -1L;
            }
            return configRead(b, d, f, reg, 4) | configRead(b, d, f, reg + 4, 4) << 32;
        }
        return configRead(b, d, f, reg, size);
    }

    @Override
    public void write(long offset, int size, long value) {
        int b = (int) (offset >>> 20);
        int d = (int) (offset >>> 15) & 31;
        int f = (int) (offset >>> 12) & 7;
        int reg = (int) (offset & 0xFFF);
        if (size == 8) {
            configWrite(b, d, f, reg, 4, value & 0xFFFF_FFFFL);
            configWrite(b, d, f, reg + 4, 4, value >>> 32);
            return;
        }
        configWrite(b, d, f, reg, size, value);
    }

    /** Configuration mechanism #1: CONFIG_ADDRESS at 0xCF8, CONFIG_DATA at 0xCFC-0xCFF. */
    private final class LegacyConfigPorts implements PortHandler {
        @Override
        public int in(int port, int size) {
            if (port == 0xCF8 && size == 4) {
                synchronized (PciHostBridge.this) {
                    return cf8;
                }
            }
            if (port < 0xCFC) {
                return -1;
            }
            int addr;
            synchronized (PciHostBridge.this) {
                addr = cf8;
            }
            if (addr >= 0) { // enable bit 31 clear
                return -1;
            }
            int reg = (addr & 0xFC) + (port - 0xCFC);
            return (int) configRead((addr >> 16) & 0xFF, (addr >> 11) & 31, (addr >> 8) & 7, reg, size);
        }

        @Override
        public void out(int port, int size, int value) {
            if (port == 0xCF8 && size == 4) {
                synchronized (PciHostBridge.this) {
                    cf8 = value & 0x80FF_FFFC;
                }
                return;
            }
            if (port < 0xCFC) {
                return;
            }
            int addr;
            synchronized (PciHostBridge.this) {
                addr = cf8;
            }
            if (addr >= 0) {
                return;
            }
            int reg = (addr & 0xFC) + (port - 0xCFC);
            configWrite((addr >> 16) & 0xFF, (addr >> 11) & 31, (addr >> 8) & 7, reg, size, value & 0xFFFF_FFFFL);
        }
    }

    /** 00:00.0 — the host bridge's own function (Q35-like identity, no BARs). */
    static final class HostBridgeFunction extends PciFunction {
        HostBridgeFunction() {
            super(0x8086, 0x29C0, 0x060000, 0);
            setSubsystem(0x1AF4, 0x1100);
        }
    }
}
