package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import platform.cpu.Vectors;
import platform.cpu.internal.Core;
import platform.cpu.internal.Flags;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * Atomic read-modify-write. Owns 0F B0/B1 (CMPXCHG), 0F C0/C1 (XADD), 0F C7 /1 (CMPXCHG8B,
 * and CMPXCHG16B with REX.W), and the LOCK machinery every locked instruction uses
 * ({@link #update}: ADD..XOR, NOT, NEG, INC, DEC in {@link Alu}, BTS/BTR/BTC in
 * {@link BitOps}, XCHG in {@link Moves}).
 *
 * <p>How LOCK is made atomic across vCPUs (threads):
 * <ul>
 * <li>An access that lies within one aligned 8-byte word of RAM (every naturally aligned
 *     access, and most others) is a compare-and-set loop on that word of the RAM
 *     {@link MemorySegment}, through a VarHandle: atomic with respect to every other locked
 *     instruction, to the MMU's atomic A/D-bit updates, and (as on x86, where a plain store
 *     is a single write of the word) to plain stores of other vCPUs.
 * <li>Anything else, a "split lock" crossing an 8-byte boundary, a page that holds decoded
 *     code or memory that is not RAM, runs under the global {@link #LOCK} with ordinary
 *     reads and writes: atomic only with respect to other instructions on that path.
 *     CMPXCHG16B always takes that path (Java has no 128-bit compare-and-set).
 * </ul>
 * The destination is checked as a write before anything happens (a read-only or missing
 * page faults with W in the error code, as on the hardware), and flags and registers are
 * updated only after the memory update succeeded. A compare-and-set function may run more
 * than once: it must only compute (no flags, no registers).
 *
 * <p>Semantics: CMPXCHG compares the accumulator with the destination (flags of
 * accumulator - destination); equal: destination = source; not equal: accumulator =
 * destination. The destination is always written (with its own value when not equal).
 * XADD: destination = destination + source, source = old destination, flags of the add.
 * CMPXCHG8B/16B: EDX:EAX (RDX:RAX) against m64 (m128); equal: m = ECX:EBX (RCX:RBX), ZF=1;
 * else EDX:EAX = m, ZF=0; other flags unchanged; m128 must be 16-byte aligned (#GP).
 */
final class Atomics {
    /** Serializes the locked accesses that cannot use compare-and-set (see the class comment). */
    static final Object LOCK = new Object();

    private static final VarHandle WORD = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();

    /** A pure update of the old memory value with an operand; may be called more than once. */
    @FunctionalInterface
    interface Fn {
        long apply(Core c, long old, long src);
    }

    private Atomics() {}

    static void register(Opcodes t) {
        t.two(NP, 0xB0, MODRM | BYTE, Atomics::cmpxchg);
        t.two(NP, 0xB1, MODRM, Atomics::cmpxchg);
        t.two(NP, 0xC0, MODRM | BYTE, Atomics::xadd);
        t.two(NP, 0xC1, MODRM, Atomics::xadd);
        t.two(NP, 0xC7, MODRM, Atomics::group9);
    }

    private static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    /**
     * Atomically replaces the {@code size}-byte value at linear {@code va} with
     * {@code fn(old, src)} (truncated to the size); returns the old value (zero-extended).
     * Faults, changing nothing, if {@code va} is not writable.
     */
    static long update(Core c, long va, int size, long src, Fn fn) {
        if ((va & 7) + size <= 8) {
            long off = c.ramForWrite(va); // checks the whole access: it does not cross a page
            if (off >= 0) {
                MemorySegment ram = c.ram;
                long word = off & ~7L;
                int shift = (int) (off & 7) * 8;
                long m = mask(size) << shift;
                for (;;) {
                    long w = (long) WORD.getVolatile(ram, word);
                    long old = (w & m) >>> shift;
                    long nw = (w & ~m) | ((fn.apply(c, old, src) << shift) & m);
                    if (WORD.compareAndSet(ram, word, w, nw)) {
                        return old;
                    }
                }
            }
        }
        synchronized (LOCK) {
            long old = c.readForWrite(va, size);
            c.write(va, size, fn.apply(c, old, src));
            return old;
        }
    }

    // ---- CMPXCHG -----------------------------------------------------------------------------

    /** CMPXCHG's update: the source if the accumulator equals the old value, else the old value. */
    private static final Fn[] CMPXCHG_FN = new Fn[9];

    static {
        for (int s : new int[] {1, 2, 4, 8}) {
            long m = mask(s);
            CMPXCHG_FN[s] = (c, old, src) -> old == (c.r[0] & m) ? src : old;
        }
    }

    private static Op cmpxchg(Insn i) {
        int s = i.opsize;
        boolean lock = i.has(Insn.P_LOCK);
        if (lock && !i.mem) {
            return null;
        }
        long m = mask(s);
        Fn fn = CMPXCHG_FN[s];
        if (i.mem) {
            return (c, d) -> {
                long a = c.ea(d);
                long src = c.readReg(d, s);
                long acc = c.r[0] & m;
                long old;
                if (lock) {
                    old = update(c, a, s, src, fn);
                } else {
                    old = c.readForWrite(a, s);
                    c.write(a, s, fn.apply(c, old, src));
                }
                compared(c, s, acc, old);
            };
        }
        return (c, d) -> {
            long old = c.readRm(d, s);
            long acc = c.r[0] & m;
            if (old == acc) {
                c.writeRm(d, s, c.readReg(d, s));
            }
            compared(c, s, acc, old);
        };
    }

    /** After CMPXCHG: flags of accumulator - old (both as before the instruction); on a mismatch the accumulator takes the old value. */
    private static void compared(Core c, int s, long acc, long old) {
        Flags.set(c, Flags.SUB, s, acc, old, acc - old);
        if (acc != old) {
            if (s == 1) {
                c.setReg8(0, old);
            } else {
                c.setReg(0, s, old);
            }
        }
    }

    // ---- XADD --------------------------------------------------------------------------------

    private static final Fn ADD = (c, old, src) -> old + src;

    private static Op xadd(Insn i) {
        int s = i.opsize;
        boolean lock = i.has(Insn.P_LOCK);
        if (lock && !i.mem) {
            return null;
        }
        if (i.mem) {
            return (c, d) -> {
                long a = c.ea(d);
                long src = c.readReg(d, s);
                long old;
                if (lock) {
                    old = update(c, a, s, src, ADD);
                } else {
                    old = c.readForWrite(a, s);
                    c.write(a, s, old + src);
                }
                Flags.set(c, Flags.ADD, s, old, src, old + src);
                c.writeReg(d, s, old);
            };
        }
        return (c, d) -> {
            long dst = c.readRm(d, s), src = c.readReg(d, s);
            long sum = dst + src;
            Flags.set(c, Flags.ADD, s, dst, src, sum);
            c.writeReg(d, s, dst);
            c.writeRm(d, s, sum); // last: with one register for both, it holds the sum
        };
    }

    // ---- CMPXCHG8B / CMPXCHG16B --------------------------------------------------------------

    /** 0F C7: only /1 with a memory operand (RDRAND, RDSEED, RDPID are not announced). */
    private static Op group9(Insn i) {
        if (i.ext() != 1 || !i.mem) {
            return null;
        }
        if (i.has(Insn.P_REXW)) {
            return (c, d) -> cmpxchg16b(c, c.ea(d));
        }
        boolean lock = i.has(Insn.P_LOCK);
        return (c, d) -> cmpxchg8b(c, c.ea(d), lock);
    }

    private static final Fn CMPXCHG8B_FN = (c, old, src) ->
            old == ((c.r[2] & 0xFFFFFFFFL) << 32 | (c.r[0] & 0xFFFFFFFFL)) ? src : old;

    private static void cmpxchg8b(Core c, long a, boolean lock) {
        long src = (c.r[1] & 0xFFFFFFFFL) << 32 | (c.r[3] & 0xFFFFFFFFL);
        long old;
        if (lock) {
            old = update(c, a, 8, src, CMPXCHG8B_FN);
        } else {
            old = c.readForWrite(a, 8);
            c.write(a, 8, CMPXCHG8B_FN.apply(c, old, src));
        }
        long expected = (c.r[2] & 0xFFFFFFFFL) << 32 | (c.r[0] & 0xFFFFFFFFL);
        Flags.materialize(c);
        if (old == expected) {
            c.rf |= Flags.ZF;
        } else {
            c.rf &= ~Flags.ZF;
            c.r[0] = old & 0xFFFFFFFFL;
            c.r[2] = old >>> 32;
        }
    }

    private static void cmpxchg16b(Core c, long a) {
        if ((a & 15) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        long lo, hi;
        boolean equal;
        synchronized (LOCK) {
            c.probeWrite(a, 16);
            lo = c.read64(a);
            hi = c.read64(a + 8);
            equal = lo == c.r[0] && hi == c.r[2];
            c.write64(a, equal ? c.r[3] : lo);
            c.write64(a + 8, equal ? c.r[1] : hi);
        }
        Flags.materialize(c);
        if (equal) {
            c.rf |= Flags.ZF;
        } else {
            c.rf &= ~Flags.ZF;
            c.r[0] = lo;
            c.r[2] = hi;
        }
    }
}
