package platform.cpu.internal.run;

import static platform.cpu.internal.run.Errno.*;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import platform.cpu.Cpu;
import platform.cpu.CpuState;
import platform.cpu.internal.run.AddressSpace.BadAddress;

/**
 * The Linux x86-64 system calls a static musl or glibc program needs to start, print, manage
 * its memory and exit, served for a cpu-run process by {@link IoCalls}, {@link MemCalls} and
 * {@link ProcCalls}. Arguments come in RDI, RSI, RDX, R10, R8, R9, the number in RAX; the
 * result (or -errno) goes to RAX. A bad user pointer gives -EFAULT. Any other call ends the
 * process with SIGSYS and a message naming it.
 */
final class Syscalls {
    private final Cpu cpu;
    private final OutputStream stderr;
    private final Frames frames;
    final IoCalls io;
    final MemCalls mem;
    final ProcCalls proc;
    /** Trace every call to stderr ("name(args) = result"). */
    boolean strace;

    /** {@code exe} is the executable's absolute path, {@code execfn} the name it was run by. */
    Syscalls(Cpu cpu, AddressSpace as, OutputStream stdout, OutputStream stderr, String exe, String execfn,
            long ramBytes) {
        this.cpu = cpu;
        this.stderr = stderr;
        this.frames = as.frames;
        long[][] limits = Rlimits.defaults();
        io = new IoCalls(as, stdout, stderr, exe);
        mem = new MemCalls(as, ramBytes, limits);
        proc = new ProcCalls(cpu, as, ramBytes, limits, execfn);
    }

    /** Serves the call the CPU stopped at (registers as after SYSCALL); sets RAX. */
    void serve() {
        long nr = cpu.reg(CpuState.RAX);
        long a0 = cpu.reg(CpuState.RDI), a1 = cpu.reg(CpuState.RSI), a2 = cpu.reg(CpuState.RDX);
        long a3 = cpu.reg(CpuState.R10), a4 = cpu.reg(CpuState.R8), a5 = cpu.reg(CpuState.R9);
        long r;
        try {
            r = call(nr, a0, a1, a2, a3, a4, a5);
        } catch (BadAddress e) {
            r = -EFAULT;
        } catch (Stop s) {
            if (strace) {
                trace(nr, a0, a1, a2, "?");
            }
            throw s;
        }
        if (strace) {
            trace(nr, a0, a1, a2, r < 0 && r > -4096 ? r + " (errno " + -r + ")" : "0x" + Long.toHexString(r));
        }
        cpu.setReg(CpuState.RAX, r);
    }

    private void trace(long nr, long a0, long a1, long a2, String result) {
        String line = String.format("cpu-run: %s(0x%x, 0x%x, 0x%x, ...) = %s%n", SyscallNames.of(nr), a0, a1, a2, result);
        try {
            stderr.write(line.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // tracing is best effort
        }
    }

    private long call(long nr, long a0, long a1, long a2, long a3, long a4, long a5) {
        return switch ((int) Math.min(Math.max(nr, -1), 1000)) {
            case 1 -> io.write((int) a0, a1, a2);
            case 5 -> io.fstat((int) a0, a1);
            case 9 -> mem.mmap(a0, a1, (int) a2, (int) a3, (int) a4, a5);
            case 10 -> mem.mprotect(a0, a1, (int) a2);
            case 11 -> mem.munmap(a0, a1);
            case 12 -> mem.brk(a0);
            case 16 -> io.ioctl((int) a0);
            case 20 -> io.writev((int) a0, a1, (int) a2);
            case 25 -> mem.mremap(a0, a1, a2, (int) a3, a4);
            case 28 -> mem.madvise(a0, a1, (int) a2);
            case 60, 231 -> throw new Stop((int) a0 & 0xFF, null); // exit, exit_group: one thread, so the process ends
            case 35 -> proc.nanosleep(1, 0, a0); // nanosleep: CLOCK_MONOTONIC, relative
            case 39, 186 -> ProcCalls.PID; // getpid, gettid: one process, one thread
            case 63 -> proc.uname(a0);
            case 72 -> io.fcntl((int) a0, (int) a1);
            case 89 -> io.readlink(a0, a1, (int) a2);
            case 96 -> proc.gettimeofday(a0, a1);
            case 99 -> proc.sysinfo(a0, frames);
            case 110 -> 1; // getppid: the parent is outside the machine; report init
            case 102, 107 -> Identity.UID; // getuid, geteuid
            case 104, 108 -> Identity.GID; // getgid, getegid
            case 157 -> proc.prctl((int) a0, a1);
            case 158 -> proc.archPrctl((int) a0, a1);
            case 218 -> ProcCalls.PID; // set_tid_address: nothing to clear at exit (no threads); returns the TID
            case 201 -> proc.time(a0);
            case 228 -> proc.clockGettime((int) a0, a1);
            case 229 -> proc.clockGetres((int) a0, a1);
            case 230 -> proc.nanosleep((int) a0, (int) a1, a2);
            case 262 -> io.newfstatat((int) a0, a1, a2, (int) a3);
            case 273 -> a1 == 24 ? 0 : -EINVAL; // set_robust_list: only the size is checked (no threads)
            case 302 -> proc.prlimit64((int) a0, (int) a1, a2, a3);
            case 318 -> proc.getrandom(a0, a1, (int) a2);
            case 334 -> -ENOSYS; // rseq: not provided; libc then works without it
            default -> throw Stop.signal(Stop.SIGSYS, String.format("unsupported system call %d (%s) at rip=0x%x",
                    nr, SyscallNames.of(nr), cpu.reg(CpuState.RCX) - 2));
        };
    }
}
