package platform.cpu.internal.run;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import platform.cpu.Cpu;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.cpu.FlatMemory;
import platform.cpu.PhysicalMemory;
import platform.cpu.Vectors;

/**
 * One static ELF program in its own address space on a bare {@link Cpu}, as execve leaves
 * it: the loadable segments mapped with their protections (a page two segments share gets
 * both), an 8 MiB demand-paged stack below {@link Elf#USER_END} holding the
 * {@link InitialStack}, the heap (brk) just above the image, RIP at the entry point.
 *
 * <p>{@link #run} runs it to the end: SYSCALL exits are served by {@link Syscalls} and
 * resumed with SYSRET; page faults inside regions are resolved by demand paging; any other
 * exception ends the process with the signal Linux would send (SIGSEGV, SIGILL, SIGFPE,
 * SIGTRAP, SIGBUS) and a message naming the vector, RIP and the instruction bytes.
 */
public final class UserProcess implements AutoCloseable {
    public static final long STACK_SIZE = 8L << 20;
    /** Instructions per call to {@link Cpu#run}. */
    static final long SLICE = 1L << 24;

    /** How a run ended: the wait status a shell shows, the runner's message (or null), and counts. */
    public record Outcome(int status, String message, long instructions, long nanos) {
        /** Millions of instructions per second. */
        public double mips() {
            return nanos == 0 ? 0 : instructions * 1e3 / nanos;
        }
    }

    private final PhysicalMemory mem;
    final Cpu cpu;
    final AddressSpace as;
    final Syscalls sys;

    /**
     * Loads {@code elf}; {@code exe} is the executable's absolute path (/proc/self/exe),
     * {@code execfn} the name it was run by (AT_EXECFN), {@code argv} and {@code envp} its
     * arguments and environment; {@code ramBytes} of emulated RAM.
     */
    public UserProcess(Elf elf, String exe, String execfn, List<String> argv, List<String> envp, OutputStream stdout,
            OutputStream stderr, long ramBytes) throws InitialStack.TooBig {
        mem = FlatMemory.sparse(ramBytes);
        cpu = new Cpu(mem);
        as = new AddressSpace(mem.ram(), cpu);
        sys = new Syscalls(cpu, as, stdout, stderr, exe, execfn, ramBytes);
        loadSegments(elf);
        int stackProt = AddressSpace.PROT_READ | AddressSpace.PROT_WRITE | (elf.execStack ? AddressSpace.PROT_EXEC : 0);
        as.map(Elf.USER_END - STACK_SIZE, STACK_SIZE, stackProt);
        sys.mem.initBrk(AddressSpace.pageUp(elf.imageEnd()));
        long sp = InitialStack.build(as, Elf.USER_END, elf, execfn, argv, envp, sys.proc.random(16));
        cpu.setRip(elf.entry);
        cpu.setReg(CpuState.RSP, sp);
    }

    /**
     * Maps every PT_LOAD page with the protections of its segment (a page that two segments
     * share gets both), then copies in the file bytes. Segments do not overlap (Elf checks),
     * so consecutive ones share at most one page; bss is left to demand paging.
     */
    private void loadSegments(Elf elf) {
        List<Elf.Segment> sorted = new ArrayList<>(elf.loads);
        sorted.sort((x, y) -> Long.compare(x.vaddr(), y.vaddr()));
        List<long[]> ranges = new ArrayList<>(); // {start, end, prot}, page-aligned, ascending
        for (Elf.Segment s : sorted) {
            if (s.memsz() == 0) {
                continue;
            }
            int prot = ((s.flags() & Elf.PF_R) != 0 ? AddressSpace.PROT_READ : 0)
                    | ((s.flags() & Elf.PF_W) != 0 ? AddressSpace.PROT_WRITE : 0)
                    | ((s.flags() & Elf.PF_X) != 0 ? AddressSpace.PROT_EXEC : 0);
            long start = AddressSpace.pageDown(s.vaddr() + elf.base);
            long end = AddressSpace.pageUp(s.vaddr() + elf.base + s.memsz());
            long[] last = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
            if (last != null && last[1] > start) { // the page at start is shared with the segment before
                if (last[0] == start) {
                    last[2] |= prot;
                } else {
                    last[1] = start;
                    ranges.add(new long[] {start, start + AddressSpace.PAGE, last[2] | prot});
                }
                start += AddressSpace.PAGE;
            }
            if (start < end) {
                ranges.add(new long[] {start, end, prot});
            }
        }
        for (long[] r : ranges) {
            as.map(r[0], r[1] - r[0], (int) r[2]);
        }
        for (Elf.Segment s : elf.loads) {
            if (s.filesz() > 0) {
                as.poke(s.vaddr() + elf.base, elf.file, (int) s.offset(), (int) s.filesz());
            }
        }
    }

    /** Traces system calls to stderr. */
    public void strace(boolean on) {
        sys.strace = on;
    }

    /** Runs until the process ends or {@code maxInstructions} have run (then status 124 with a message). */
    public Outcome run(long maxInstructions) {
        long t0 = System.nanoTime();
        long first = cpu.retired();
        int status;
        String message;
        try {
            for (;;) {
                long left = maxInstructions - (cpu.retired() - first);
                if (left <= 0) {
                    throw new Stop(124, "instruction limit of " + maxInstructions + " reached at rip=" + hex(cpu.rip()));
                }
                Exit x = cpu.run(Math.min(left, SLICE));
                switch (x) {
                    case SYSCALL -> {
                        sys.serve();
                        cpu.sysret();
                    }
                    case EXCEPTION -> exception();
                    case BUDGET -> { }
                    case HLT, INTERRUPT -> throw Stop.signal(Stop.SIGSEGV, "unexpected " + x + " exit at rip=" + hex(cpu.rip()));
                }
            }
        } catch (Stop s) {
            status = s.status;
            message = s.text;
        } catch (Frames.Exhausted e) {
            status = 128 + Stop.SIGKILL;
            message = "SIGKILL: " + e.getMessage();
        } catch (RuntimeException e) {
            status = 128 + 6; // as if aborted
            message = "internal error: " + e + " at rip=" + hex(cpu.rip()) + bytesAt(cpu.rip()) + where(e);
        }
        return new Outcome(status, message, cpu.retired() - first, System.nanoTime() - t0);
    }

    /** Handles an EXCEPTION exit: demand paging, or the end of the process by a signal. */
    private void exception() {
        int v = cpu.vector();
        int err = cpu.errorCode();
        long rip = cpu.rip();
        if (v == Vectors.PF) {
            long va = cpu.cr2();
            int access = (err & Vectors.PF_I) != 0 ? AddressSpace.EXEC
                    : (err & Vectors.PF_W) != 0 ? AddressSpace.WRITE : AddressSpace.READ;
            if (as.fault(va, access)) {
                return;
            }
            throw Stop.signal(Stop.SIGSEGV, String.format("SIGSEGV: #PF at rip=0x%x cr2=0x%x error=0x%x (%s)%s", rip, va,
                    err, pfText(err), bytesAt(rip)));
        }
        int sig = switch (v) {
            case Vectors.UD, Vectors.NM -> Stop.SIGILL;
            case Vectors.DE, Vectors.MF, Vectors.XM -> Stop.SIGFPE;
            case Vectors.BP, Vectors.DB -> Stop.SIGTRAP;
            case Vectors.AC, Vectors.SS -> Stop.SIGBUS;
            default -> Stop.SIGSEGV;
        };
        String code = v == Vectors.GP || v == Vectors.SS || v == Vectors.AC ? String.format("(0x%x)", err) : "";
        throw Stop.signal(sig, String.format("%s: %s%s at rip=0x%x%s", Stop.name(sig), Vectors.name(v), code, rip, bytesAt(rip)));
    }

    private static String pfText(int err) {
        String what = (err & Vectors.PF_I) != 0 ? "fetch" : (err & Vectors.PF_W) != 0 ? "write" : "read";
        String why = (err & Vectors.PF_RSVD) != 0 ? "reserved bit set"
                : (err & Vectors.PF_P) != 0 ? "protection violation" : "page not mapped";
        return ((err & Vectors.PF_U) != 0 ? "user " : "supervisor ") + what + ", " + why;
    }

    /** " bytes=0f 38 ..." : up to 15 instruction bytes at {@code rip}, as many as are readable. */
    String bytesAt(long rip) {
        StringBuilder sb = new StringBuilder(" bytes=");
        int n = 0;
        for (; n < 15; n++) {
            byte[] b = new byte[1];
            try {
                as.read(rip + n, b, 0, 1);
            } catch (AddressSpace.BadAddress e) {
                break;
            }
            sb.append(n == 0 ? "" : " ").append(String.format("%02x", b[0] & 0xFF));
        }
        return n == 0 ? " bytes=(unreadable)" : sb.toString();
    }

    /** The top frames of {@code e}'s stack, for a bug report. */
    private static String where(Throwable e) {
        StringBuilder sb = new StringBuilder();
        StackTraceElement[] st = e.getStackTrace();
        for (int k = 0; k < Math.min(4, st.length); k++) {
            sb.append(k == 0 ? "\n  at " : " < ").append(st[k]);
        }
        return sb.toString();
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** The register file, for diagnostics. */
    public String registers() {
        CpuState s = new CpuState();
        cpu.save(s);
        return s.toString();
    }

    @Override
    public void close() {
        if (mem instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                // nothing to do
            }
        }
    }
}
