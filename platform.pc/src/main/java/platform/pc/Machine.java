package platform.pc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import platform.pc.acpi.AcpiTables;
import platform.pc.pci.PciFunction;
import platform.pc.pci.PciHostBridge;
import platform.pc.pci.PciRootPort;
import platform.pc.time.CmosRtc;
import platform.pc.time.Hpet;
import platform.pc.time.IrqSink;
import platform.pc.time.Pit8254;
import platform.pc.time.VirtualClock;
import platform.pc.uart.SerialBackend;
import platform.pc.uart.SerialReceiver;
import platform.pc.uart.Uart16550;

/**
 * The emulated PC board: RAM, the physical address space, I/O ports, one local APIC per
 * vCPU, the MSI decoder, the PCI host bridge (ECAM; INTx wired to IOAPIC GSIs 16..23), PCIe
 * root ports with hot-plug slots ({@link Builder#hotplugSlots}) and the firmware's hand-off
 * ({@link BootInfo} with ACPI tables).
 *
 * <p>Physical memory map (S = memory size):
 * <pre>
 *   0x0000_0000 .. 0x0009_FC00   USABLE   low RAM
 *   0x0009_FC00 .. 0x0010_0000   RESERVED EBDA, VGA, BIOS area (RAM-backed, not for the kernel)
 *   0x0010_0000 .. L - 64 KiB    USABLE   L = min(S, 0xB000_0000)
 *   L - 64 KiB  .. L             ACPI     RSDP, XSDT, RSDT, MCFG, MADT, FADT, DSDT, HPET
 *   0xB000_0000 .. 0xC000_0000   MMIO     PCI ECAM, 256 buses
 *   0xC000_0000 .. 0x1_0000_0000 MMIO     PCI BAR window (to 0xFEBF_FFFF; bus-0 BARs, then the
 *                                          root ports' windows), IOAPIC 0xFEC0_0000,
 *                                          HPET 0xFED0_0000, LAPIC/MSI 0xFEE0_0000
 *   0x1_0000_0000 .. + (S - L)   USABLE   high RAM, only if S &gt; 0xB000_0000
 * </pre>
 *
 * <p>vCPUs: one {@link Vcpu} per CPU ({@link #vcpu(int)}), each a host thread {@code vcpu-N}
 * with its own {@link LocalApic} (reached by its CPU at {@link LocalApic#DEFAULT_BASE}) and a
 * {@code platform.cpu.Cpu} on this memory map; all share one code cache and the machine's
 * {@link VirtualClock}, from which the TSC and the timers derive.
 *
 * <p>Life cycle: {@link #builder()} ... {@link Builder#build()} gives a machine that is
 * powered off (vCPU threads not started); devices may be attached with {@link #pci()} and
 * put into hot-plug slots ({@link #hotplugSlots()}) before or after power-on;
 * {@link #powerOn()} runs the firmware (root-port bus numbers and windows, PCI BAR and
 * Interrupt Line assignment, ACPI tables), makes {@link #bootInfo()} available and starts the
 * vCPU threads: the BSP (vCPU 0) is online, the APs wait for INIT/SIPI; {@link #close()}
 * powers off: it stops and joins the vCPU threads, closes every PCI function and every card
 * in a hot-plug slot (stopping device threads and backends), then any registered
 * closeables, then frees RAM. After close, RAM accesses throw {@link IllegalStateException}.
 */
public final class Machine implements AutoCloseable {
    public static final long MIN_MEMORY = 16L << 20;
    public static final int MAX_CPUS = 254;
    public static final long LOW_RAM_LIMIT = 0xB000_0000L;
    public static final long HIGH_RAM_BASE = 0x1_0000_0000L;
    public static final long ECAM_BASE = 0xB000_0000L;
    public static final int ECAM_BUSES = 256;

    /** The physical address of function {@code fn} of device {@code dev} on {@code bus} in ECAM (PCIe 7.2.2). */
    public static long ecam(int bus, int dev, int fn) {
        return ECAM_BASE + ((long) bus << 20) + ((long) dev << 15) + ((long) fn << 12);
    }
    public static final long IOAPIC_BASE = 0xFEC0_0000L;
    public static final long ACPI_REGION_SIZE = 0x1_0000L;
    public static final long EBDA_START = 0x9FC00L;

    private final long memorySize;
    private final int cpuCount;
    private final String commandLine;
    private final Ram ram;
    private final PhysicalBus bus = new PhysicalBus();
    private final IoPorts io = new IoPorts();
    private final LocalApic[] lapics;
    private final Vcpu[] vcpus;
    private final ApicBus apicBus = new ApicBus();
    private final IoApic ioapic;
    private final Pic8259 pic = new Pic8259();
    private final VirtualClock clock;
    private final Hpet hpet;
    private final Pit8254 pit;
    private final CmosRtc rtc;
    private final Uart16550 com1;
    private final MsiDecoder msi;
    private final PciHostBridge pci;
    private final List<MemoryRegion> memoryMap;
    private final long acpiBase;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile BootInfo bootInfo;

    private Machine(Builder b) {
        this.memorySize = b.memory;
        this.cpuCount = b.cpus;
        this.commandLine = b.commandLine;
        this.ram = new Ram(memorySize);
        long low = Math.min(memorySize, LOW_RAM_LIMIT);
        bus.mapRam(0, ram, 0, low);
        if (memorySize > low) {
            bus.mapRam(HIGH_RAM_BASE, ram, low, memorySize - low);
        }
        this.clock = b.clock != null ? b.clock : VirtualClock.host();
        TimerSource timer = b.timer != null ? b.timer : timerSource(clock);
        this.lapics = new LocalApic[cpuCount];
        for (int i = 0; i < cpuCount; i++) {
            lapics[i] = new LocalApic(i, timer);
            apicBus.attach(lapics[i]);
        }
        this.vcpus = new Vcpu[cpuCount];
        VcpuClock vcpuClock = new VcpuClock(clock);
        platform.cpu.CodeCache code = platform.cpu.CodeCache.create(); // shared by all vCPUs
        for (int i = 0; i < cpuCount; i++) {
            vcpus[i] = new Vcpu(i, lapics[i], new VcpuMemory(ram, low, lapics[i].mmio(), bus), code, vcpuClock);
        }
        this.ioapic = new IoApic(cpuCount); // IOAPIC ID after the LAPIC IDs, as in the MADT
        apicBus.attach(ioapic);
        bus.mapMmio(IOAPIC_BASE, IoApic.WINDOW_SIZE, ioapic, "ioapic");
        pic.register(io);
        IrqSink gsi = IrqSink.of(ioapic::assertIrq, ioapic::deassertIrq);
        this.hpet = new Hpet(clock, gsi);
        bus.mapMmio(AcpiTables.HPET_ADDRESS, Hpet.SIZE, hpet, "hpet");
        this.pit = new Pit8254(clock, gsi, 2); // ISA IRQ 0 is GSI 2 (the MADT's interrupt source override)
        io.register(Pit8254.BASE_PORT, 4, pit);
        this.rtc = new CmosRtc(clock, gsi);
        io.register(CmosRtc.INDEX_PORT, 2, rtc);
        this.com1 = new Uart16550(Uart16550.COM1_BASE, b.serial != null ? b.serial : DISCONNECTED,
                level -> {
                    if (level) {
                        ioapic.assertIrq(Uart16550.COM1_IRQ);
                    } else {
                        ioapic.deassertIrq(Uart16550.COM1_IRQ);
                    }
                });
        io.register(Uart16550.COM1_BASE, Uart16550.PORT_COUNT, com1);
        this.msi = new MsiDecoder(apicBus);
        bus.mapMmio(MsiDecoder.BASE, MsiDecoder.LENGTH, msi, "msi");
        this.pci = new PciHostBridge(bus, io, ECAM_BASE, ECAM_BUSES, // INTx: GSIs 16..23, swizzled, wired-OR
                IrqSink.of(ioapic::assertPciIrq, ioapic::deassertPciIrq));
        this.acpiBase = low - ACPI_REGION_SIZE;

        List<MemoryRegion> map = new ArrayList<>();
        map.add(new MemoryRegion(0, EBDA_START, MemoryRegion.Type.USABLE));
        map.add(new MemoryRegion(EBDA_START, 0x100000 - EBDA_START, MemoryRegion.Type.RESERVED));
        map.add(new MemoryRegion(0x100000, acpiBase - 0x100000, MemoryRegion.Type.USABLE));
        map.add(new MemoryRegion(acpiBase, ACPI_REGION_SIZE, MemoryRegion.Type.ACPI));
        map.add(new MemoryRegion(ECAM_BASE, pci.ecamSize(), MemoryRegion.Type.MMIO));
        map.add(new MemoryRegion(PciHostBridge.MMIO_WINDOW_START, HIGH_RAM_BASE - PciHostBridge.MMIO_WINDOW_START,
                MemoryRegion.Type.MMIO));
        if (memorySize > low) {
            map.add(new MemoryRegion(HIGH_RAM_BASE, memorySize - low, MemoryRegion.Type.USABLE));
        }
        this.memoryMap = List.copyOf(map);
        for (Map.Entry<Integer, PciFunction> e : b.devices.entrySet()) {
            pci.attach(e.getKey(), e.getValue());
        }
        List<Integer> portSlots = new ArrayList<>();
        for (int s = 31; s >= 1 && portSlots.size() < b.hotplugSlots; s--) {
            if (!b.devices.containsKey(s)) {
                portSlots.add(0, s); // the highest free slots, numbered 1.. in device order
            }
        }
        for (int i = 0; i < portSlots.size(); i++) {
            pci.attach(portSlots.get(i), new PciRootPort(i + 1));
        }
    }

    /** A serial line with nothing at the far end: output is dropped, no input, no carrier. */
    private static final SerialBackend DISCONNECTED = new SerialBackend() {
        @Override
        public void attach(SerialReceiver receiver) {
        }

        @Override
        public void transmit(int b) {
        }

        @Override
        public void close() {
        }
    };

    /** The virtual clock as the local APICs' time source. */
    private static TimerSource timerSource(VirtualClock c) {
        return new TimerSource() {
            @Override
            public long nanos() {
                return c.now();
            }

            @Override
            public Handle schedule(long atNanos, Runnable task) {
                VirtualClock.Timer t = c.schedule(atNanos, task);
                return t::cancel;
            }
        };
    }

    /** A new builder: 128 MiB, 1 CPU, empty command line, no devices. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs the firmware: assigns PCI BARs, writes the ACPI tables and builds the
     * {@link BootInfo}. Must be called exactly once. Returns this.
     */
    public synchronized Machine powerOn() {
        if (closed.get()) {
            throw new IllegalStateException("machine is closed");
        }
        if (bootInfo != null) {
            throw new IllegalStateException("machine is already powered on");
        }
        pic.firmwareInit();
        pci.assignResources();
        AcpiTables.Layout acpi = AcpiTables.write(bus, acpiBase, cpuCount, pci.ecamBase(), pci.busCount(), IOAPIC_BASE);
        bootInfo = new BootInfo(memoryMap, acpi.rsdp(), commandLine, cpuCount);
        for (Vcpu v : vcpus) {
            v.start(); // the BSP runs; APs wait for INIT/SIPI
        }
        return this;
    }

    public boolean poweredOn() {
        return bootInfo != null;
    }

    /** The firmware hand-off. Only after {@link #powerOn()}. */
    public BootInfo bootInfo() {
        BootInfo bi = bootInfo;
        if (bi == null) {
            throw new IllegalStateException("machine is not powered on");
        }
        return bi;
    }

    /** The physical memory map (also in {@link #bootInfo()}). */
    public List<MemoryRegion> memoryMap() {
        return memoryMap;
    }

    public Ram ram() {
        return ram;
    }

    public long memorySize() {
        return memorySize;
    }

    public PhysicalBus bus() {
        return bus;
    }

    public IoPorts ioPorts() {
        return io;
    }

    public int cpuCount() {
        return cpuCount;
    }

    /** The local APIC of vCPU {@code cpu} (0..cpuCount-1); its APIC ID equals {@code cpu}. */
    public LocalApic lapic(int cpu) {
        return lapics[cpu];
    }

    /** vCPU {@code cpu} (0..cpuCount-1; 0 is the BSP). */
    public Vcpu vcpu(int cpu) {
        return vcpus[cpu];
    }

    /** All vCPUs, by index. */
    public List<Vcpu> vcpus() {
        return List.of(vcpus);
    }

    /** The local APIC with APIC ID {@code apicId}, or null. */
    public LocalApic lapicById(int apicId) {
        return apicId >= 0 && apicId < lapics.length ? lapics[apicId] : null;
    }

    /** The message fabric joining the local APICs and the IOAPIC. */
    public ApicBus apicBus() {
        return apicBus;
    }

    /** The IOAPIC (24 inputs, GSI 0..23), mapped at {@link #IOAPIC_BASE}. */
    public IoApic ioApic() {
        return ioapic;
    }

    /** The legacy 8259 pair at ports 0x20/0x21, 0xA0/0xA1; fully masked after {@link #powerOn()}. */
    public Pic8259 pic() {
        return pic;
    }

    /** The machine's time base: TSC, timers and the RTC derive from it. */
    public VirtualClock clock() {
        return clock;
    }

    /** The HPET, mapped at {@link AcpiTables#HPET_ADDRESS}; timers route to IOAPIC inputs. */
    public Hpet hpet() {
        return hpet;
    }

    /** The 8254 PIT at ports 0x40..0x43; channel 0 drives GSI 2. */
    public Pit8254 pit() {
        return pit;
    }

    /** The CMOS RTC at ports 0x70/0x71, on GSI 8. */
    public CmosRtc rtc() {
        return rtc;
    }

    /** COM1: a 16550A UART at 0x3F8, on GSI 4. */
    public Uart16550 com1() {
        return com1;
    }

    public MsiDecoder msiDecoder() {
        return msi;
    }

    /** The PCIe root ports with hot-plug slots ({@link Builder#hotplugSlots}), in device order. */
    public List<PciRootPort> hotplugSlots() {
        return pci.rootPorts();
    }

    public PciHostBridge pci() {
        return pci;
    }

    /** Registers something to close at power-off (after devices, before RAM is freed). */
    public void onClose(AutoCloseable c) {
        synchronized (closeables) {
            closeables.add(c);
        }
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Powers off (see class comment). Idempotent; never throws. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (Vcpu v : vcpus) {
            v.stop();
        }
        long vcpuDeadline = System.nanoTime() + 5_000_000_000L; // a vCPU stuck in kernel work is left behind
        for (Vcpu v : vcpus) {
            v.join(Math.max(1, vcpuDeadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        pci.closeAll();
        for (LocalApic a : lapics) {
            a.stopTimer();
        }
        com1.close();
        clock.close();
        List<AutoCloseable> cs;
        synchronized (closeables) {
            cs = new ArrayList<>(closeables);
        }
        for (AutoCloseable c : cs.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                // keep powering off
            }
        }
        ram.close();
    }

    /** Builds a powered-off {@link Machine}. Not thread-safe. */
    public static final class Builder {
        private long memory = 128L << 20;
        private int cpus = 1;
        private String commandLine = "";
        private TimerSource timer;
        private VirtualClock clock;
        private SerialBackend serial;
        private final Map<Integer, PciFunction> devices = new LinkedHashMap<>();
        private int hotplugSlots;

        private Builder() {
        }

        /** RAM size in bytes: at least {@link #MIN_MEMORY}, a multiple of 4 KiB. */
        public Builder memory(long bytes) {
            this.memory = bytes;
            return this;
        }

        /** Number of vCPUs, 1..{@link #MAX_CPUS}. */
        public Builder cpus(int n) {
            this.cpus = n;
            return this;
        }

        /** The time base of the local APIC timers and the TSC deadline (default: the machine clock). */
        public Builder timerSource(TimerSource t) {
            if (t == null) {
                throw new IllegalArgumentException("timerSource: null");
            }
            this.timer = t;
            return this;
        }

        /**
         * The machine's clock (default: host time). A deterministic clock makes timers, the
         * TSC and the RTC advance only when the clock is advanced.
         */
        public Builder clock(VirtualClock c) {
            this.clock = c;
            return this;
        }

        /** What COM1 is connected to (default: nothing). The machine closes it at power-off. */
        public Builder serial(SerialBackend backend) {
            this.serial = backend;
            return this;
        }

        public Builder commandLine(String s) {
            this.commandLine = s == null ? "" : s;
            return this;
        }

        /**
         * Adds {@code n} PCIe root ports with empty hot-plug slots ({@link PciRootPort}). They take
         * the {@code n} highest bus-0 device numbers not given to {@link #device} (so disks from
         * low slots and NICs from 31 down keep their numbers), with physical slot numbers 1..n and
         * secondary buses 1..n in device order. Cards go in with {@link PciRootPort#insert}.
         */
        public Builder hotplugSlots(int n) {
            this.hotplugSlots = n;
            return this;
        }

        /** Attaches {@code fn} as PCI device 00:{@code slot}.0 (slot 1..31). */
        public Builder device(int slot, PciFunction fn) {
            if (slot < 1 || slot > 31 || devices.containsKey(slot)) {
                throw new IllegalArgumentException("pci slot " + slot + " is invalid or taken");
            }
            devices.put(slot, fn);
            return this;
        }

        /**
         * Creates the machine (powered off).
         *
         * @throws IllegalArgumentException naming the bad option ("memory", "cpus")
         */
        public Machine build() {
            if (memory < MIN_MEMORY || (memory & 0xFFF) != 0) {
                throw new IllegalArgumentException("memory: must be a multiple of 4 KiB and at least "
                        + (MIN_MEMORY >> 20) + " MiB, got " + memory);
            }
            if (cpus < 1 || cpus > MAX_CPUS) {
                throw new IllegalArgumentException("cpus: must be 1.." + MAX_CPUS + ", got " + cpus);
            }
            if (hotplugSlots < 0 || hotplugSlots > 31 - devices.size()) {
                throw new IllegalArgumentException("hotplugSlots: must be 0.." + (31 - devices.size())
                        + " (free PCI slots), got " + hotplugSlots);
            }
            return new Machine(this);
        }
    }
}
