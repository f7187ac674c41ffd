package platform.cpu.diff;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import platform.cpu.Cpu;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.cpu.FlatMemory;

/**
 * The emulator side: one {@link Cpu} on flat RAM with page tables that reproduce the host
 * runner's address space (see diffrunner.c): code at {@link MachineState#CODE} (user,
 * read-only, executable, exactly as many pages as the code needs), data at
 * {@link MachineState#DATA} (user, read/write, NX), the read-only page at
 * {@link MachineState#RODATA}, nothing else. Reused across cases: a new snippet rewrites
 * the code pages and invalidates their decoded code; a case rewrites the data pages.
 *
 * <p>Physical layout: page tables from 1 MiB, code from 2 MiB (at most 1 MiB), the
 * read-only page at 3 MiB, data from 4 MiB (at most 1 MiB).
 */
final class Emulator implements AutoCloseable {
    private static final ValueLayout.OfLong LE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long P = 1, RW = 2, US = 4, NX = 1L << 63;
    private static final long PT_BASE = 1 << 20, CODE_PA = 2 << 20, RO_PA = 3 << 20, DATA_PA = 4 << 20;
    static final int CODE_MAX = 1 << 20;

    private final FlatMemory mem = new FlatMemory(8 << 20);
    private final MemorySegment ram = mem.ram();
    final Cpu cpu = new Cpu(mem);
    private final long pml4;
    private long nextTable = PT_BASE;
    private byte[] code;
    private int codePages;
    private int dataPages;
    private final CpuState cs = new CpuState();

    Emulator() {
        pml4 = table();
        for (int k = 0; k < 4096; k++) {
            ram.set(ValueLayout.JAVA_BYTE, RO_PA + k, (byte) (k * 37 + 11));
        }
        mapPage(MachineState.RODATA, RO_PA | P | US | NX);
        cpu.setCr3(pml4);
    }

    private long table() {
        long t = nextTable;
        nextTable += 4096;
        if (nextTable > CODE_PA) {
            throw new IllegalStateException("out of page-table pages");
        }
        return t;
    }

    /** Sets the leaf entry of {@code va} (0 unmaps), making intermediate tables as needed. */
    private void mapPage(long va, long pte) {
        long t = pml4;
        for (int level = 4; level > 1; level--) {
            long slot = t + (((va >>> (12 + 9 * (level - 1))) & 511) << 3);
            long e = ram.get(LE64, slot);
            if ((e & P) == 0) {
                e = table() | P | RW | US;
                ram.set(LE64, slot, e);
            }
            t = e & 0x000F_FFFF_FFFF_F000L;
        }
        ram.set(LE64, t + (((va >>> 12) & 511) << 3), pte);
    }

    /** Loads {@code bytes} as the code at {@link MachineState#CODE}, if not already loaded. */
    void loadCode(byte[] bytes) {
        if (bytes == code) {
            return;
        }
        if (bytes.length > CODE_MAX) {
            throw new IllegalArgumentException("code longer than 1 MiB");
        }
        int pages = Math.max(1, (bytes.length + 4095) >> 12);
        cpu.codeCache().invalidate(CODE_PA, (long) Math.max(pages, codePages) << 12);
        ram.asSlice(CODE_PA, (long) pages << 12).fill((byte) 0);
        MemorySegment.copy(bytes, 0, ram, ValueLayout.JAVA_BYTE, CODE_PA, bytes.length);
        for (int k = 0; k < Math.max(pages, codePages); k++) {
            mapPage(MachineState.CODE + ((long) k << 12), k < pages ? (CODE_PA + ((long) k << 12)) | P | US : 0);
        }
        codePages = pages;
        code = bytes;
        cpu.flushTlb();
    }

    /** Runs {@code init} from CODE + {@code entryOffset} until the first exception or {@code budget} instructions. */
    Outcome run(int entryOffset, MachineState init, long budget) {
        int pages = init.data.length >> 12;
        if (pages != dataPages) {
            for (int k = 0; k < Math.max(pages, dataPages); k++) {
                mapPage(MachineState.DATA + ((long) k << 12), k < pages ? (DATA_PA + ((long) k << 12)) | P | RW | US | NX : 0);
            }
            dataPages = pages;
            cpu.flushTlb();
        }
        MemorySegment.copy(init.data, 0, ram, ValueLayout.JAVA_BYTE, DATA_PA, init.data.length);

        CpuState s = new CpuState();
        System.arraycopy(init.gpr, 0, s.gpr, 0, 16);
        s.rip = MachineState.CODE + entryOffset;
        s.rflags = (init.rflags & 0xCD5) | 0x202;
        System.arraycopy(init.xmm, 0, s.xmm, 0, 32);
        s.mxcsr = init.mxcsr;
        System.arraycopy(init.fpuM, 0, s.fpuMantissa, 0, 8);
        System.arraycopy(init.fpuSE, 0, s.fpuSignExp, 0, 8);
        s.fcw = init.fcw;
        s.fsw = init.fsw;
        s.ftw = init.fullTag(init.abridgedTag());
        s.fsBase = init.fsBase;
        s.gsBase = init.gsBase;
        s.cr3 = pml4;
        s.cpl = 3;
        cpu.load(s);

        Outcome o = new Outcome();
        Exit exit;
        try {
            exit = cpu.run(budget);
        } catch (RuntimeException | Error e) {
            o.problem = "emulator threw " + e;
            o.rip = cpu.rip();
            capture(o, init);
            o.state.data = init.data.clone();
            throw new EmulatorCrash(o, e);
        }
        o.rip = cpu.rip();
        switch (exit) {
            case EXCEPTION -> {
                o.vector = cpu.vector();
                o.errorCode = cpu.errorCode();
                o.cr2 = cpu.cr2();
            }
            case BUDGET -> o.problem = "instruction budget (" + budget + ") exhausted at rip=" + Long.toHexString(o.rip);
            default -> o.problem = "exit " + exit + " at rip=" + Long.toHexString(o.rip);
        }
        capture(o, init);
        return o;
    }

    private void capture(Outcome o, MachineState init) {
        cpu.save(cs);
        MachineState f = o.state;
        System.arraycopy(cs.gpr, 0, f.gpr, 0, 16);
        f.rflags = cs.rflags;
        f.fsBase = cs.fsBase;
        f.gsBase = cs.gsBase;
        System.arraycopy(cs.xmm, 0, f.xmm, 0, 32);
        f.mxcsr = cs.mxcsr;
        System.arraycopy(cs.fpuMantissa, 0, f.fpuM, 0, 8);
        System.arraycopy(cs.fpuSignExp, 0, f.fpuSE, 0, 8);
        f.fcw = cs.fcw;
        f.fsw = cs.fsw;
        f.ftw = cs.ftw;
        f.data = new byte[init.data.length];
        MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, DATA_PA, f.data, 0, f.data.length);
    }

    @Override
    public void close() {
        mem.close();
    }

    /** The emulator threw a Java exception: a bug, reported with the case. */
    static final class EmulatorCrash extends RuntimeException {
        final transient Outcome outcome;

        EmulatorCrash(Outcome o, Throwable cause) {
            super(cause);
            this.outcome = o;
        }
    }
}
