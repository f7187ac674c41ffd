package platform.pc.pci;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import platform.pc.IoPorts;
import platform.pc.MmioHandler;
import platform.pc.PhysicalBus;
import platform.pc.PortHandler;
import platform.pc.time.IrqSink;

/**
 * The PCI host bridge: owns PCI bus 0 and exposes configuration space through ECAM (PCI
 * Express enhanced configuration access: a memory window where the config byte
 * {@code reg} of bus {@code b}, device {@code d}, function {@code f} lives at offset
 * {@code b << 20 | d << 15 | f << 12 | reg}) and, for legacy code, through the 0xCF8/0xCFC
 * port pair. The bridge itself is function 00:00.0 (Intel Q35 host bridge, 8086:29C0,
 * class 060000).
 *
 * <p>Buses: bus 0 holds the functions attached with {@link #attach}. A {@link PciRootPort} on
 * bus 0 opens one more bus: a config access to bus N goes to the root port (first in device
 * order) whose secondary..subordinate range holds N; if N is its secondary bus, the port
 * forwards it as a type-0 cycle to the card in its slot as device 0, function 0 (only while a
 * card is present and powered); any other device or function on that bus, a bus number inside
 * a port's range but not its secondary bus, and every bus nobody claims (a port whose
 * subordinate bus is below its secondary bus claims none) read all-ones (vendor 0xFFFF), and
 * writes to them are dropped. Memory and I/O of a card behind a port decode only inside the
 * port's windows while the port's COMMAND enables them, and the card's DMA and MSI reach the
 * bus only while the port's Bus Master Enable is set ({@link PciRootPort}, "Forwarding").
 *
 * <p>INTx: every INTx wire ends at the IOAPIC. Device d on bus 0, pin p (1 = INTA .. 4 =
 * INTD) drives GSI {@link #intxGsi(int, int) 16 + ((d + p - 1) mod 4)}; a card behind the root
 * port in device s is swizzled through the port (PCI-to-PCI bridge 1.2, table 9-1: device 0
 * keeps its pin), so it drives GSI 16 + ((s + p - 1) mod 4). The wires are shared and
 * level-triggered: a GSI stays asserted while any function drives it. The DSDT's _PRT under
 * \_SB.PCI0 describes the same routing for bus 0.
 *
 * <p>Firmware duty: {@link #assignResources()} does what SeaBIOS does at power-on:
 * <ol>
 * <li>numbers the root ports' buses in device order (primary 0, secondary = subordinate = 1,
 * 2, ...) and resets their slots (populated slots powered on with the link up, empty ones
 * powered off, no events pending);</li>
 * <li>gives every BAR of every bus-0 function a naturally aligned address, memory BARs
 * (32- and 64-bit) in {@link #MMIO_WINDOW_START}..{@link #MMIO_WINDOW_END} and I/O BARs in
 * {@link #IO_WINDOW_START}..0xFFFF, largest first;</li>
 * <li>gives every root port, populated or empty, a memory window of at least
 * {@link #PORT_MEMORY_RESERVE} (1 MiB aligned, after the bus-0 BARs) and an I/O window of at
 * least {@link #PORT_IO_RESERVE} taken from {@link #PORT_IO_WINDOW_START}..0xBFFF (a port
 * gets no I/O window, base &gt; limit, when that range is exhausted), and places the BARs of
 * a card present at power-on inside its port's windows; the prefetchable window is left
 * disabled (prefetchable BARs go in the memory window, which is below 4 GiB);</li>
 * <li>writes Interrupt Line = the GSI of every function with an interrupt pin,</li>
 * </ol>
 * and leaves COMMAND at 0 on every function but the root ports, which get memory and I/O
 * decoding on (as SeaBIOS turns them on for every function), so cards present at boot are
 * reachable through their port; the kernel enables memory space and bus mastering of the other
 * functions itself, and bus mastering of the ports (without it, cards behind a port cannot DMA).
 * Functions attached to bus 0 after that get their BARs and Interrupt Line assigned on attach
 * (as if by ACPI hot-plug firmware). Cards hot-added into a root port get nothing: the OS
 * assigns their BARs inside the port's windows (native PCIe hot-plug, as Linux's pciehp does).
 */
public final class PciHostBridge implements MmioHandler {
    public static final long MMIO_WINDOW_START = 0xC000_0000L;
    public static final long MMIO_WINDOW_END = 0xFEC0_0000L; // exclusive: IOAPIC, HPET, MSI above
    public static final int IO_WINDOW_START = 0xC000;
    public static final int IO_WINDOW_END = 0x1_0000; // exclusive
    /** The first of the 8 GSIs (16..23) PCI INTx wires are routed to. */
    public static final int PCI_GSI_BASE = 16;
    /** Memory window the firmware reserves for each root port (at least; 1 MiB granular). */
    public static final long PORT_MEMORY_RESERVE = 8L << 20;
    /** I/O window the firmware reserves for each root port (at least; 4 KiB granular). */
    public static final int PORT_IO_RESERVE = 0x1000;
    /** Start of the I/O range root-port windows are taken from (it ends at {@link #IO_WINDOW_START}). */
    public static final int PORT_IO_WINDOW_START = 0x1000;

    private final PhysicalBus bus;
    private final IoPorts io;
    private final long ecamBase;
    private final int busCount;
    private final PciFunction[][] slots = new PciFunction[32][8];
    private volatile PciRootPort[] ports = new PciRootPort[0]; // in device order; fixed at power-on
    private boolean resourcesAssigned;
    private long memCursor = MMIO_WINDOW_START;
    private int ioCursor = IO_WINDOW_START;
    private int unassignedBars;
    private int cf8;
    private final IntxRouter intx;

    /**
     * Creates the bridge, maps its ECAM window ({@code busCount << 20} bytes at
     * {@code ecamBase}, which must be aligned to its size) on {@code bus}, claims ports
     * 0xCF8-0xCFF on {@code io}, and attaches the host bridge function at 00:00.0.
     */
    public PciHostBridge(PhysicalBus bus, IoPorts io, long ecamBase, int busCount) {
        this(bus, io, ecamBase, busCount, IrqSink.NONE);
    }

    /**
     * As {@link #PciHostBridge(PhysicalBus, IoPorts, long, int)}, with the INTx wires ending
     * at {@code intx} (normally the IOAPIC: {@code IrqSink.of(ioApic::assertIrq, ioApic::deassertIrq)}).
     */
    public PciHostBridge(PhysicalBus bus, IoPorts io, long ecamBase, int busCount, IrqSink intx) {
        this.intx = new IntxRouter(intx);
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

    /**
     * The GSI the INTx pin {@code pin} (1 = INTA .. 4 = INTD) of bus-0 device {@code device}
     * is wired to: {@code 16 + ((device + pin - 1) mod 4)}. Returns -1 for pin 0 (none).
     */
    public static int intxGsi(int device, int pin) {
        if (pin < 1 || pin > 4) {
            return -1;
        }
        return PCI_GSI_BASE + ((device + pin - 1) & 3);
    }

    /** How many functions currently drive INTx wire {@code gsi} (0: the line is de-asserted). */
    public int intxDrivers(int gsi) {
        return intx.drivers(gsi);
    }

    IntxRouter intxRouter() {
        return intx;
    }

    /** Attaches {@code fn} as function 0 of device {@code device} (1..31) on bus 0. */
    public void attach(int device, PciFunction fn) {
        attach(device, 0, fn);
    }

    /**
     * Attaches {@code fn} at 00:{@code device}.{@code function}. The slot must be free.
     * After power-on, the function's BARs and Interrupt Line are assigned immediately. A
     * {@link PciRootPort} must be function 0 and attached before power-on.
     */
    public synchronized void attach(int device, int function, PciFunction fn) {
        if (device < 0 || device > 31 || function < 0 || function > 7) {
            throw new IllegalArgumentException("bad PCI address " + device + "." + function);
        }
        if (slots[device][function] != null) {
            throw new IllegalStateException(String.format("PCI slot 00:%02x.%d is occupied", device, function));
        }
        if (fn instanceof PciRootPort && (function != 0 || resourcesAssigned)) {
            throw new IllegalStateException("a root port must be function 0 and attached before power-on");
        }
        int pin = (int) fn.configRead(PciFunction.INTERRUPT_PIN, 1);
        fn.attach(bus, io, String.format("00:%02x.%d", device, function), intx, intxGsi(device, pin));
        slots[device][function] = fn;
        if (fn instanceof PciRootPort port) {
            port.bind(device);
            ports = rootPorts().toArray(new PciRootPort[0]);
        }
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
        if (f0 instanceof PciRootPort) {
            throw new IllegalArgumentException("00:" + device + " is a root port; remove its card instead");
        }
        for (int f = 0; f < 8; f++) {
            PciFunction fn = slots[device][f];
            if (fn != null) {
                fn.detach();
                slots[device][f] = null;
            }
        }
        return f0;
    }

    /**
     * The function that answers config cycles at {@code b:d.f}, or null: on bus 0 an attached
     * function, on a root port's secondary bus the powered card in its slot (device 0, function 0).
     */
    public PciFunction function(int b, int device, int function) {
        if (b < 0 || b > 255 || device < 0 || device > 31 || function < 0 || function > 7) {
            return null;
        }
        return target(b, device, function);
    }

    /** All functions of bus 0 in device/function order (root ports included, their cards not). */
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

    /** The root ports on bus 0, in device order. */
    public synchronized List<PciRootPort> rootPorts() {
        List<PciRootPort> out = new ArrayList<>();
        for (PciFunction[] slot : slots) {
            if (slot[0] instanceof PciRootPort p) {
                out.add(p);
            }
        }
        return out;
    }

    /** Firmware bus numbering and BAR assignment (see class comment). Idempotent. */
    public synchronized void assignResources() {
        if (!resourcesAssigned) {
            resourcesAssigned = true;
            List<PciRootPort> ports = rootPorts();
            int nextBus = 1;
            for (PciRootPort p : ports) {
                if (nextBus < busCount) {
                    p.firmwareSetBuses(0, nextBus, nextBus);
                    nextBus++;
                }
                p.firmwareResetSlot();
            }
            assign(functions());
            assignPortWindows(ports);
            for (PciRootPort p : ports) {
                p.firmwareEnableDecoding();
            }
        }
    }

    /** BARs that did not fit in their window during assignment. */
    public synchronized int unassignedBars() {
        return unassignedBars;
    }

    /** Closes every attached function and every card in a root port's slot (power-off). */
    public void closeAll() {
        for (PciRootPort p : rootPorts()) {
            try {
                p.closeCard();
            } catch (RuntimeException e) {
                // power-off must reach every device; a failing close is not fatal
            }
        }
        for (PciFunction f : functions()) {
            try {
                f.close();
            } catch (RuntimeException e) {
                // power-off must reach every device; a failing close is not fatal
            }
            f.releaseIntx();
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
            if (fn.intxGsi() >= 0) {
                fn.configWrite(PciFunction.INTERRUPT_LINE, 1, fn.intxGsi());
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

    /** Step 3 of the firmware: root-port windows and the BARs of cards present at power-on. */
    private void assignPortWindows(List<PciRootPort> ports) {
        memCursor = align(memCursor, 1 << 20);
        int ioPortCursor = PORT_IO_WINDOW_START;
        for (PciRootPort port : ports) {
            PciFunction card = port.card();
            List<PciFunction.Bar> mem = new ArrayList<>();
            List<PciFunction.Bar> ios = new ArrayList<>();
            if (card != null && card.bus() != null) {
                for (int i = 0; i < 6; i++) {
                    PciFunction.Bar b = card.bar(i);
                    if (b != null) {
                        (b.type() == PciFunction.BarType.IO ? ios : mem).add(b);
                    }
                }
                if (card.intxGsi() >= 0) {
                    card.configWrite(PciFunction.INTERRUPT_LINE, 1, card.intxGsi());
                }
            }
            Comparator<PciFunction.Bar> largestFirst = Comparator.comparingLong(PciFunction.Bar::size).reversed();
            mem.sort(largestFirst);
            ios.sort(largestFirst);
            long[] memOffsets = new long[mem.size()];
            long end = 0;
            for (int i = 0; i < mem.size(); i++) {
                long size = mem.get(i).size();
                memOffsets[i] = align(end, Math.max(size, 4096));
                end = memOffsets[i] + size;
            }
            long memSize = Math.max(PORT_MEMORY_RESERVE, align(end, 1 << 20));
            long memBase = align(memCursor, Long.highestOneBit(memSize)); // BARs inside stay naturally aligned
            if (memBase + memSize <= MMIO_WINDOW_END) {
                memCursor = memBase + memSize;
                port.firmwareSetMemoryWindow(memBase, memBase + memSize - 1);
                for (int i = 0; i < mem.size(); i++) {
                    writeBar(card, mem.get(i), memBase + memOffsets[i]);
                }
            } else {
                unassignedBars += mem.size() + 1;
            }
            long[] ioOffsets = new long[ios.size()];
            end = 0;
            for (int i = 0; i < ios.size(); i++) {
                ioOffsets[i] = align(end, ios.get(i).size());
                end = ioOffsets[i] + ios.get(i).size();
            }
            int ioSize = (int) Math.max(PORT_IO_RESERVE, align(end, 0x1000));
            if (ioPortCursor + ioSize <= IO_WINDOW_START) {
                port.firmwareSetIoWindow(ioPortCursor, ioPortCursor + ioSize - 1);
                for (int i = 0; i < ios.size(); i++) {
                    writeBar(card, ios.get(i), ioPortCursor + ioOffsets[i]);
                }
                ioPortCursor += ioSize;
            } else {
                unassignedBars += ios.size();
            }
        }
    }

    private static void writeBar(PciFunction fn, PciFunction.Bar bar, long at) {
        int off = PciFunction.BAR0 + 4 * bar.index();
        fn.configWrite(off, 4, at & 0xFFFF_FFFFL);
        if (bar.type() == PciFunction.BarType.MEMORY64) {
            fn.configWrite(off + 4, 4, at >>> 32);
        }
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    // ---- configuration access ------------------------------------------------------------

    private PciFunction target(int b, int d, int f) {
        if (b == 0) {
            synchronized (this) {
                return slots[d][f];
            }
        }
        for (PciRootPort p : ports) {
            int route = p.routeBus(b);
            if (route >= 0) {
                return route == 0 && d == 0 && f == 0 ? p.downstream() : null;
            }
        }
        return null;
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
        PciFunction fn = target(b, d, f);
        long ones = size >= 8 ? -1L : (1L << (8 * size)) - 1;
        if (fn == null) {
            return ones;
        }
        long v = fn.configRead(reg, size);
        if (b == 0 && f == 0 && reg <= PciFunction.HEADER_TYPE && reg + size > PciFunction.HEADER_TYPE && multiFunction(d)) {
            v |= 0x80L << (8 * (PciFunction.HEADER_TYPE - reg));
        }
        return v;
    }

    /** Config write of {@code size} (1, 2, 4) bytes; writes to absent functions are dropped. */
    public void configWrite(int b, int d, int f, int reg, int size, long value) {
        PciFunction fn = target(b, d, f);
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
