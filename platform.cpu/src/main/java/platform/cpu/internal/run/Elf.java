package platform.cpu.internal.run;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A static x86-64 ELF64 executable, parsed and checked (System V gABI and the x86-64 psABI).
 *
 * <p>Contract: {@link #parse} accepts only little-endian ELF64 files for EM_X86_64 of type
 * ET_EXEC, or ET_DYN without PT_INTERP (static-pie), whose loadable segments lie inside the
 * file, inside user space and do not overlap, and whose entry point is in a loadable segment.
 * Anything else is a {@link BadElf} whose message says what is wrong; no other exception
 * escapes.
 */
public final class Elf {
    /** Program header types and flags. */
    static final int PT_LOAD = 1, PT_INTERP = 3, PT_PHDR = 6, PT_GNU_STACK = 0x6474e551;
    static final int PF_X = 1, PF_W = 2, PF_R = 4;
    static final int ET_EXEC = 2, ET_DYN = 3, EM_X86_64 = 62;
    static final int EHDR_SIZE = 64, PHDR_SIZE = 56;
    /** Highest user address + 1 (47-bit user space less the guard page Linux keeps). */
    static final long USER_END = 0x7fff_ffff_f000L;
    /** Where a static-pie (ET_DYN) image is placed, as Linux places it without randomization. */
    static final long PIE_BASE = 0x5555_5555_4000L;

    /** Why a file is not a runnable static x86-64 executable. */
    public static final class BadElf extends Exception {
        BadElf(String message) {
            super(message);
        }
    }

    /** One program header. */
    public record Segment(int index, int type, int flags, long offset, long vaddr, long filesz, long memsz) {
        long end() {
            return vaddr + memsz;
        }
    }

    public final byte[] file;
    /** ET_EXEC or ET_DYN. */
    public final int type;
    /** Added to every address of the file: 0 for ET_EXEC, {@link #PIE_BASE} for static-pie. */
    public final long base;
    /** Entry point (relocated). */
    public final long entry;
    public final long phoff;
    public final int phnum;
    /** Every program header, in file order. */
    public final List<Segment> segments;
    /** The PT_LOAD headers, in file order. */
    public final List<Segment> loads;
    /** True if PT_GNU_STACK asks for an executable stack (without it x86-64 Linux gives a non-executable one). */
    public final boolean execStack;

    private Elf(byte[] file, int type, long entry, long phoff, int phnum, List<Segment> segments) {
        this.file = file;
        this.type = type;
        this.base = type == ET_DYN ? PIE_BASE : 0;
        this.entry = entry + base;
        this.phoff = phoff;
        this.phnum = phnum;
        this.segments = List.copyOf(segments);
        this.loads = loads(segments);
        boolean x = false;
        for (Segment s : segments) {
            x |= s.type == PT_GNU_STACK && (s.flags & PF_X) != 0;
        }
        this.execStack = x;
    }

    /** Parses and checks {@code file}; see the class comment. */
    public static Elf parse(byte[] file) throws BadElf {
        if (file.length < 4 || file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F') {
            throw new BadElf("not an ELF file");
        }
        if (file.length < 16) {
            throw new BadElf("truncated ELF header (" + file.length + " bytes)");
        }
        if (file[4] != 2) {
            throw new BadElf(file[4] == 1 ? "32-bit ELF (only 64-bit x86-64 executables run)" : "bad ELF class " + file[4]);
        }
        if (file[5] != 1) {
            throw new BadElf(file[5] == 2 ? "big-endian ELF (x86-64 is little-endian)" : "bad ELF data encoding " + file[5]);
        }
        if (file[6] != 1) {
            throw new BadElf("bad ELF version " + file[6]);
        }
        if (file.length < EHDR_SIZE) {
            throw new BadElf("truncated ELF header (" + file.length + " bytes, need " + EHDR_SIZE + ")");
        }
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int type = b.getShort(16) & 0xFFFF;
        int machine = b.getShort(18) & 0xFFFF;
        long entry = b.getLong(24);
        long phoff = b.getLong(32);
        int phentsize = b.getShort(54) & 0xFFFF;
        int phnum = b.getShort(56) & 0xFFFF;
        if (machine != EM_X86_64) {
            throw new BadElf("machine " + machine + machineName(machine) + " is not x86-64");
        }
        if (type != ET_EXEC && type != ET_DYN) {
            throw new BadElf("not an executable (ELF type " + type + typeName(type) + ")");
        }
        if (phnum == 0) {
            throw new BadElf("no program headers");
        }
        if (phentsize != PHDR_SIZE) {
            throw new BadElf("program header size " + phentsize + " (ELF64 uses " + PHDR_SIZE + ")");
        }
        if (phoff < 0 || phoff > file.length || (long) phnum * PHDR_SIZE > file.length - phoff) {
            throw new BadElf(String.format("program header table (offset 0x%x, %d entries) lies outside the file (%d bytes)",
                    phoff, phnum, file.length));
        }
        List<Segment> segs = new ArrayList<>();
        for (int k = 0; k < phnum; k++) {
            int at = (int) phoff + k * PHDR_SIZE;
            segs.add(new Segment(k, b.getInt(at), b.getInt(at + 4), b.getLong(at + 8), b.getLong(at + 16),
                    b.getLong(at + 32), b.getLong(at + 40)));
        }
        for (Segment s : segs) {
            if (s.type == PT_INTERP) {
                throw new BadElf("dynamically linked (asks for the interpreter " + interp(file, s)
                        + "); cpu-run runs static executables only (link with -static)");
            }
        }
        long base = type == ET_DYN ? PIE_BASE : 0;
        List<Segment> loads = loads(segs);
        if (loads.isEmpty()) {
            throw new BadElf("no loadable segment");
        }
        for (Segment s : loads) {
            check(s, file.length, base);
        }
        List<Segment> sorted = new ArrayList<>(loads);
        sorted.sort((x, y) -> Long.compare(x.vaddr, y.vaddr));
        for (int k = 1; k < sorted.size(); k++) {
            Segment p = sorted.get(k - 1), s = sorted.get(k);
            if (s.memsz > 0 && p.end() > s.vaddr) {
                throw new BadElf(String.format("segments %d and %d overlap at 0x%x", p.index, s.index, s.vaddr + base));
            }
        }
        boolean entryOk = false;
        for (Segment s : loads) {
            entryOk |= Long.compareUnsigned(entry - s.vaddr, s.memsz) < 0;
        }
        if (!entryOk) {
            throw new BadElf(String.format("entry point 0x%x is outside every loadable segment", entry + base));
        }
        return new Elf(file, type, entry, phoff, phnum, segs);
    }

    /** The PT_LOAD headers of {@code segs}, in order (a loop: streams cost ~20 ms of a cold start). */
    private static List<Segment> loads(List<Segment> segs) {
        List<Segment> l = new ArrayList<>();
        for (Segment s : segs) {
            if (s.type == PT_LOAD) {
                l.add(s);
            }
        }
        return List.copyOf(l);
    }

    /** Checks one PT_LOAD: inside the file, inside user space, sane sizes and alignment. */
    private static void check(Segment s, long fileSize, long base) throws BadElf {
        String what = "segment " + s.index;
        if (s.filesz < 0 || s.offset < 0 || s.offset > fileSize || s.filesz > fileSize - s.offset) {
            throw new BadElf(String.format("%s: file range 0x%x+0x%x lies outside the file (%d bytes)", what, s.offset,
                    s.filesz, fileSize));
        }
        if (Long.compareUnsigned(s.memsz, s.filesz) < 0) {
            throw new BadElf(String.format("%s: memory size 0x%x is smaller than its file size 0x%x", what, s.memsz, s.filesz));
        }
        long start = s.vaddr + base;
        if (s.vaddr < 0 || start < 0x1000 || s.memsz < 0 || s.memsz > USER_END || start > USER_END - s.memsz) {
            throw new BadElf(String.format("%s: address range 0x%x+0x%x is outside user space", what, s.vaddr, s.memsz));
        }
        if ((s.vaddr & 0xFFF) != (s.offset & 0xFFF)) {
            throw new BadElf(String.format("%s: address 0x%x and file offset 0x%x differ modulo the page size", what,
                    s.vaddr, s.offset));
        }
    }

    private static String interp(byte[] file, Segment s) {
        if (s.offset < 0 || s.filesz <= 0 || s.offset >= file.length) {
            return "(unreadable)";
        }
        int end = (int) Math.min(file.length, s.offset + Math.min(s.filesz, 256));
        int n = (int) s.offset;
        while (n < end && file[n] != 0) {
            n++;
        }
        return new String(file, (int) s.offset, n - (int) s.offset, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static String machineName(int m) {
        return switch (m) {
            case 3 -> " (i386)";
            case 40 -> " (ARM)";
            case 183 -> " (AArch64)";
            case 243 -> " (RISC-V)";
            default -> "";
        };
    }

    private static String typeName(int t) {
        return switch (t) {
            case 0 -> ": none";
            case 1 -> ": relocatable object";
            case 4 -> ": core dump";
            default -> "";
        };
    }

    /** Address of the program headers in the loaded image (AT_PHDR), or 0 if no segment loads them. */
    public long phdrAddress() {
        for (Segment s : segments) {
            if (s.type == PT_PHDR) {
                return s.vaddr + base;
            }
        }
        for (Segment s : loads) {
            if (phoff >= s.offset && phoff + (long) phnum * PHDR_SIZE <= s.offset + s.filesz) {
                return s.vaddr + (phoff - s.offset) + base;
            }
        }
        return 0;
    }

    /** The end of the highest loadable segment (relocated): where the heap (brk) starts, rounded up to a page. */
    public long imageEnd() {
        long end = 0;
        for (Segment s : loads) {
            end = Math.max(end, s.end() + base);
        }
        return end;
    }
}
