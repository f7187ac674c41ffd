package platform.cpu.internal.run;

import static platform.cpu.internal.run.Errno.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.SplittableRandom;
import platform.cpu.Cpu;

/**
 * System calls about the process and the machine: thread-pointer registers, resource
 * limits, names and identities, random bytes, clocks and system information. The process is
 * alone (PID = TID = {@link #PID}) and runs as the runner's user ({@link Identity}). Each
 * handler states the Linux semantics it keeps.
 */
final class ProcCalls {
    static final int PID = 100;
    /** Longest task name (comm), NUL excluded. */
    static final int TASK_COMM_LEN = 16;
    static final int ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;

    private final Cpu cpu;
    private final AddressSpace as;
    private final long ramBytes;
    private final long[][] limits;
    private final long start = System.nanoTime();
    private byte[] comm;
    private InputStream urandom;
    private SplittableRandom fallbackRandom;

    /** {@code execfn} is the name the program was run by: its task name is the last part of it. */
    ProcCalls(Cpu cpu, AddressSpace as, long ramBytes, long[][] limits, String execfn) {
        this.cpu = cpu;
        this.as = as;
        this.ramBytes = ramBytes;
        this.limits = limits;
        byte[] name = execfn.substring(execfn.lastIndexOf('/') + 1).getBytes(StandardCharsets.UTF_8);
        this.comm = java.util.Arrays.copyOf(name, Math.min(name.length, TASK_COMM_LEN - 1));
    }

    /** arch_prctl(code, addr): set or get the FS/GS base; -EPERM for a base outside user space; -EINVAL for other codes. */
    long archPrctl(int code, long addr) {
        switch (code) {
            case ARCH_SET_FS, ARCH_SET_GS -> {
                if (Long.compareUnsigned(addr, Elf.USER_END) >= 0) {
                    return -EPERM;
                }
                if (code == ARCH_SET_FS) {
                    cpu.setFsBase(addr);
                } else {
                    cpu.setGsBase(addr);
                }
                return 0;
            }
            case ARCH_GET_FS -> as.write64(addr, cpu.fsBase());
            case ARCH_GET_GS -> as.write64(addr, cpu.gsBase());
            default -> {
                return -EINVAL;
            }
        }
        return 0;
    }

    /**
     * prlimit64(pid, resource, new, old): this process only (pid 0 or its own, else -ESRCH);
     * -EINVAL for an unknown resource or soft > hard; raising a hard limit is -EPERM. The old
     * limits are written to old (if not NULL) and new ones (if not NULL) are kept.
     */
    long prlimit64(int pid, int resource, long newp, long oldp) {
        if (pid != 0 && pid != PID) {
            return -ESRCH;
        }
        if (resource < 0 || resource >= limits.length) {
            return -EINVAL;
        }
        long[] cur = limits[resource];
        long[] want = null;
        if (newp != 0) {
            ByteBuffer b = ByteBuffer.wrap(as.read(newp, 16)).order(ByteOrder.LITTLE_ENDIAN);
            want = new long[] {b.getLong(0), b.getLong(8)};
            if (Long.compareUnsigned(want[0], want[1]) > 0) {
                return -EINVAL;
            }
            if (Long.compareUnsigned(want[1], cur[1]) > 0) {
                return -EPERM;
            }
        }
        if (oldp != 0) {
            as.write(oldp, pair(cur[0], cur[1]));
        }
        if (want != null) {
            limits[resource] = want;
        }
        return 0;
    }

    /**
     * getrandom(buf, buflen, flags): fills buf with random bytes from the host; -EINVAL for
     * unknown flags or GRND_RANDOM with GRND_INSECURE. Never blocks.
     */
    long getrandom(long buf, long len, int flags) {
        if ((flags & ~7) != 0 || (flags & 6) == 6) {
            return -EINVAL;
        }
        int n = (int) Math.min(Long.compareUnsigned(len, IoCalls.MAX_RW_COUNT) > 0 ? IoCalls.MAX_RW_COUNT : len, 1 << 20);
        byte[] b = random(n);
        as.write(buf, b);
        return n;
    }

    /** {@code n} random bytes from the host's /dev/urandom (or a seeded generator without it). */
    byte[] random(int n) {
        byte[] b = new byte[n];
        try {
            if (urandom == null && fallbackRandom == null) {
                urandom = Files.newInputStream(Path.of("/dev/urandom"));
            }
            if (urandom != null && urandom.readNBytes(b, 0, n) == n) {
                return b;
            }
        } catch (IOException e) {
            urandom = null;
        }
        if (fallbackRandom == null) {
            fallbackRandom = new SplittableRandom(System.nanoTime() ^ Runtime.getRuntime().freeMemory());
        }
        fallbackRandom.nextBytes(b);
        return b;
    }

    /** uname(buf): struct utsname, six 65-byte fields: Linux, kestrel, 6.1.0, a version, x86_64, (none). */
    long uname(long buf) {
        String[] fields = {"Linux", "kestrel", "6.1.0-kestrel", "#1 SMP PREEMPT_DYNAMIC cpu-run", "x86_64", "(none)"};
        byte[] u = new byte[6 * 65];
        for (int k = 0; k < fields.length; k++) {
            byte[] f = fields[k].getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(f, 0, u, 65 * k, f.length);
        }
        as.write(buf, u);
        return 0;
    }

    /**
     * clock_gettime(clockid, tp): REALTIME (0), REALTIME_COARSE (5) and TAI (11) read the
     * host's wall clock; MONOTONIC (1), MONOTONIC_RAW (4), MONOTONIC_COARSE (6) and BOOTTIME
     * (7) its monotonic clock; PROCESS_CPUTIME_ID (2) and THREAD_CPUTIME_ID (3) the time since
     * the process started. -EINVAL for other clocks.
     */
    long clockGettime(int clock, long tp) {
        long sec, nsec;
        switch (clock) {
            case 0, 5, 11 -> {
                Instant now = Instant.now();
                sec = now.getEpochSecond();
                nsec = now.getNano();
            }
            case 1, 4, 6, 7 -> {
                long t = System.nanoTime();
                sec = Math.floorDiv(t, 1_000_000_000L);
                nsec = Math.floorMod(t, 1_000_000_000L);
            }
            case 2, 3 -> {
                long t = System.nanoTime() - start;
                sec = t / 1_000_000_000L;
                nsec = t % 1_000_000_000L;
            }
            default -> {
                return -EINVAL;
            }
        }
        as.write(tp, pair(sec, nsec));
        return 0;
    }

    /** time(tloc): seconds since the epoch, also stored at tloc unless it is NULL. */
    long time(long tloc) {
        long t = Instant.now().getEpochSecond();
        if (tloc != 0) {
            as.write(tloc, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(t).array());
        }
        return t;
    }

    /** gettimeofday(tv, tz): the wall clock in seconds and microseconds at tv; tz (obsolete) is filled with zeros. */
    long gettimeofday(long tv, long tz) {
        if (tv != 0) {
            Instant now = Instant.now();
            as.write(tv, pair(now.getEpochSecond(), now.getNano() / 1000));
        }
        if (tz != 0) {
            as.write(tz, new byte[8]);
        }
        return 0;
    }

    /** clock_getres(clockid, res): 1 ns for every clock clock_gettime knows (4 ms for the coarse ones); -EINVAL otherwise. */
    long clockGetres(int clock, long res) {
        long ns = switch (clock) {
            case 0, 1, 2, 3, 4, 7, 11 -> 1;
            case 5, 6 -> 4_000_000;
            default -> -1;
        };
        if (ns < 0) {
            return -EINVAL;
        }
        if (res != 0) {
            as.write(res, pair(0, ns));
        }
        return 0;
    }

    /**
     * nanosleep(req, rem) and clock_nanosleep(clockid, flags, req, rem): sleeps for the
     * timespec at req (host time; with TIMER_ABSTIME in flags, until that time of the given
     * clock). -EINVAL for a negative time or nanoseconds outside 0..999999999, or an unknown
     * clock. Never interrupted, so rem is not written.
     */
    long nanosleep(int clock, int flags, long req) {
        ByteBuffer b = ByteBuffer.wrap(as.read(req, 16)).order(ByteOrder.LITTLE_ENDIAN);
        long sec = b.getLong(0), nsec = b.getLong(8);
        if (sec < 0 || nsec < 0 || nsec > 999_999_999 || clock < 0 || clock > 11 || clock == 2 || clock == 3) {
            return -EINVAL;
        }
        long ns = Math.multiplyHigh(sec, 1_000_000_000L) != 0 ? Long.MAX_VALUE : sec * 1_000_000_000L + nsec;
        if ((flags & 1) != 0) { // TIMER_ABSTIME
            long now = clock == 0 || clock == 5 || clock == 11 ? epochNanos() : System.nanoTime();
            ns = ns - now;
        }
        if (ns > 0) {
            try {
                Thread.sleep(ns / 1_000_000, (int) (ns % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return 0;
    }

    private static long epochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /**
     * sysinfo(info): uptime is the time since the process started; totalram is the emulated
     * RAM and freeram what the frame allocator has not handed out (mem_unit 1); no swap, no
     * high memory, one process, load averages of zero.
     */
    long sysinfo(long info, Frames frames) {
        ByteBuffer b = ByteBuffer.allocate(112).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, (System.nanoTime() - start) / 1_000_000_000L);
        b.putLong(32, ramBytes);
        b.putLong(40, Math.max(0, ramBytes - 4096 * frames.inUse()));
        b.putShort(80, (short) 1);
        b.putInt(104, 1);
        as.write(info, b.array());
        return 0;
    }

    static final int PR_SET_NAME = 15, PR_GET_NAME = 16;

    /**
     * prctl(option, arg2, ...): PR_SET_NAME sets the task name from the NUL-terminated string
     * at arg2 (truncated to 15 bytes), PR_GET_NAME copies it to arg2 (16 bytes, NUL-padded);
     * -EINVAL for every other option.
     */
    long prctl(int option, long arg2) {
        switch (option) {
            case PR_SET_NAME -> {
                byte[] name = new byte[TASK_COMM_LEN - 1];
                int n = 0;
                for (byte[] b = new byte[1]; n < name.length; n++) {
                    as.read(arg2 + n, b, 0, 1);
                    if (b[0] == 0) {
                        break;
                    }
                    name[n] = b[0];
                }
                comm = java.util.Arrays.copyOf(name, n);
                return 0;
            }
            case PR_GET_NAME -> {
                as.write(arg2, java.util.Arrays.copyOf(comm, TASK_COMM_LEN));
                return 0;
            }
            default -> {
                return -EINVAL;
            }
        }
    }

    /** Two little-endian longs (a struct timespec, a struct rlimit). */
    private static byte[] pair(long a, long b) {
        return ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(a).putLong(b).array();
    }
}
