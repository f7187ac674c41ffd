package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;

import platform.cpu.internal.Core;
import platform.cpu.internal.Flags;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * Shifts and rotates. Owns C0/C1 (by imm8), D0/D1 (by 1), D2/D3 (by CL) with ModRM.reg
 * selecting ROL ROR RCL RCR SHL SHR SAL(=SHL) SAR, and 0F A4/A5/AC/AD (SHLD, SHRD by imm8
 * or CL).
 *
 * <p>Rules (Intel SDM vol. 2, checked against the host CPU by DiffShiftTest):
 * <ul>
 * <li>The count is masked to 5 bits (6 with a 64-bit operand). A masked count of 0 changes
 *     no flag and no value, but the destination is still written: a 32-bit register is
 *     zero-extended, a memory operand must be writable (a read-only page faults).
 * <li>SHL/SHR/SAR: CF is the last bit shifted out (a shift of a byte or word by more than its
 *     width shifts out zeros, or copies of the sign for SAR); SF ZF PF from the result; OF
 *     as defined for a count of 1 (SHL: MSB(result) xor CF; SHR: MSB(original); SAR: 0).
 *     For larger counts OF is undefined, and AF always is: here they are what the AMD host
 *     of the differential tests produces (OF: SHL as for count 1, SHR the xor of the two top
 *     result bits, i.e. 0; SAR 0; AF set).
 * <li>Rotates change only CF and OF. ROL/ROR rotate by count mod width; CF is the bit that
 *     wrapped around (LSB after ROL, MSB after ROR) whenever the masked count is non-zero.
 *     RCL/RCR rotate the width+1-bit value CF:dest by count mod 9 (bytes), mod 17 (words)
 *     or the masked count. OF = MSB(result) xor CF after ROL/RCL, MSB(result) xor the bit
 *     below it after ROR/RCR (defined for count 1, computed the same otherwise).
 * <li>SHLD/SHRD shift dest, filling from src; CF the last bit shifted out of dest, OF set
 *     when the sign changed (defined for count 1; for larger counts, and AF, as on the AMD
 *     host: SHLD MSB(result) xor CF, SHRD the xor of the two top result bits, AF set), SF ZF
 *     PF from the result. A 16-bit shift by more than 16 has an undefined result (here:
 *     dest:src:dest shifted as a 48-bit value; the tests do not compare it).
 * </ul>
 */
final class Shifts {
    static final int ROL = 0, ROR = 1, RCL = 2, RCR = 3, SHL = 4, SHR = 5, SAL = 6, SAR = 7;
    /** Count sources. */
    private static final int BY_IMM = 0, BY_ONE = 1, BY_CL = 2;

    private Shifts() {}

    static void register(Opcodes t) {
        t.one(0xC0, MODRM | IB | BYTE, i -> group2(i, BY_IMM));
        t.one(0xC1, MODRM | IB, i -> group2(i, BY_IMM));
        t.one(0xD0, MODRM | BYTE, i -> group2(i, BY_ONE));
        t.one(0xD1, MODRM, i -> group2(i, BY_ONE));
        t.one(0xD2, MODRM | BYTE, i -> group2(i, BY_CL));
        t.one(0xD3, MODRM, i -> group2(i, BY_CL));
        t.two(NP, 0xA4, MODRM | IB, i -> doubleShift(i, true, BY_IMM));
        t.two(NP, 0xA5, MODRM, i -> doubleShift(i, true, BY_CL));
        t.two(NP, 0xAC, MODRM | IB, i -> doubleShift(i, false, BY_IMM));
        t.two(NP, 0xAD, MODRM, i -> doubleShift(i, false, BY_CL));
    }

    /** The count mask for an operand size. */
    private static int countMask(int size) {
        return size == 8 ? 63 : 31;
    }

    private static long sizeMask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    /** x >>> n, 0 for n >= 64 (Java masks the shift count). */
    private static long shr(long x, int n) {
        return n >= 64 ? 0 : x >>> n;
    }

    /** x << n, 0 for n >= 64. */
    private static long shl(long x, int n) {
        return n >= 64 ? 0 : x << n;
    }

    // ---- group 2 ---------------------------------------------------------------------------

    private static Op group2(Insn i, int by) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int kind = i.ext();
        int s = i.opsize;
        int cm = countMask(s);
        int immCount = by == BY_IMM ? (int) i.imm & cm : 1;
        if (!i.mem && s == 8) { // the common 64-bit register case, without size dispatch
            int rm = i.rm;
            if (by == BY_CL) {
                return (c, d) -> {
                    int n = (int) c.r[1] & 63;
                    if (n != 0) {
                        c.r[rm] = shift(c, kind, 8, c.r[rm], n);
                    }
                };
            }
            if (immCount == 0) {
                return (c, d) -> { };
            }
            return (c, d) -> c.r[rm] = shift(c, kind, 8, c.r[rm], immCount);
        }
        if (by == BY_CL) {
            return (c, d) -> {
                int n = (int) c.r[1] & cm;
                if (n == 0) {
                    rewrite(c, d, s);
                    return;
                }
                rmw(c, d, kind, s, n);
            };
        }
        if (immCount == 0) {
            return (c, d) -> rewrite(c, d, s);
        }
        return (c, d) -> rmw(c, d, kind, s, immCount);
    }

    /** A count of 0: the r/m operand is written back unchanged (a 32-bit register zero-extends, memory must be writable). */
    private static void rewrite(Core c, Insn d, int s) {
        if (d.mem) {
            long a = c.ea(d);
            c.write(a, s, c.readForWrite(a, s));
        } else {
            c.writeRm(d, s, c.readRm(d, s));
        }
    }

    /** Shifts the r/m operand of {@code d} in place by a non-zero masked count. */
    private static void rmw(Core c, Insn d, int kind, int s, int n) {
        if (d.mem) {
            long a = c.ea(d);
            c.write(a, s, shift(c, kind, s, c.readForWrite(a, s), n)); // the store cannot fault after the flags changed
        } else {
            c.writeRm(d, s, shift(c, kind, s, c.readRm(d, s), n));
        }
    }

    /**
     * Computes shift or rotate {@code kind} of the {@code s}-byte value {@code v} by the
     * non-zero masked count {@code n}, sets the flags and returns the result (upper bits
     * beyond the size are don't-care).
     */
    static long shift(Core c, int kind, int s, long v, int n) {
        int w = s * 8;
        long m = sizeMask(s);
        v &= m;
        switch (kind) {
            case SHL, SAL -> {
                long r = shl(v, n) & m;
                long cf = n <= w ? (v >>> (w - n)) & 1 : 0;
                long of = ((r >>> (w - 1)) & 1) ^ cf;
                Flags.result(c, s, r, cf | of << 11 | Flags.AF);
                return r;
            }
            case SHR -> {
                long r = shr(v, n);
                long cf = n <= w ? (v >>> (n - 1)) & 1 : 0;
                long of = ((r >>> (w - 1)) ^ (r >>> (w - 2))) & 1; // MSB(original) for a count of 1
                Flags.result(c, s, r, cf | of << 11 | Flags.AF);
                return r;
            }
            case SAR -> {
                long sv = v << (64 - w) >> (64 - w);
                long r = (sv >> Math.min(n, 63)) & m;
                long cf = (sv >> Math.min(n - 1, 63)) & 1;
                Flags.result(c, s, r, cf | Flags.AF);
                return r;
            }
            case ROL -> {
                int k = n & (w - 1);
                long r = k == 0 ? v : ((v << k) | (v >>> (w - k))) & m;
                long cf = r & 1;
                setCfOf(c, cf, ((r >>> (w - 1)) & 1) ^ cf);
                return r;
            }
            case ROR -> {
                int k = n & (w - 1);
                long r = k == 0 ? v : ((v >>> k) | (v << (w - k))) & m;
                long msb = (r >>> (w - 1)) & 1;
                setCfOf(c, msb, msb ^ ((r >>> (w - 2)) & 1));
                return r;
            }
            case RCL -> {
                int k = w < 32 ? n % (w + 1) : n;
                long cin = Flags.cf(c) ? 1 : 0;
                long r = v;
                long cf = cin;
                if (k != 0) {
                    r = (shl(v, k) | (cin << (k - 1)) | shr(v, w + 1 - k)) & m;
                    cf = (v >>> (w - k)) & 1;
                }
                setCfOf(c, cf, ((r >>> (w - 1)) & 1) ^ cf);
                return r;
            }
            default -> { // RCR
                int k = w < 32 ? n % (w + 1) : n;
                long cin = Flags.cf(c) ? 1 : 0;
                long r = v;
                long cf = cin;
                if (k != 0) {
                    r = (shr(v, k) | shl(cin, w - k) | shl(v, w + 1 - k)) & m;
                    cf = (v >>> (k - 1)) & 1;
                }
                setCfOf(c, cf, ((r >>> (w - 1)) & 1) ^ ((r >>> (w - 2)) & 1));
                return r;
            }
        }
    }

    /** Sets CF and OF (0 or 1 each), keeping the other flags. */
    private static void setCfOf(Core c, long cf, long of) {
        Flags.materialize(c);
        c.rf = (c.rf & ~(Flags.CF | Flags.OF)) | cf | of << 11;
    }

    // ---- SHLD / SHRD -----------------------------------------------------------------------

    private static Op doubleShift(Insn i, boolean left, int by) {
        if (i.has(Insn.P_LOCK)) {
            return null;
        }
        int s = i.opsize;
        int cm = countMask(s);
        int immCount = by == BY_IMM ? (int) i.imm & cm : 0;
        return (c, d) -> {
            int n = by == BY_CL ? (int) c.r[1] & cm : immCount;
            if (n == 0) {
                rewrite(c, d, s);
                return;
            }
            long src = c.readReg(d, s);
            if (d.mem) {
                long a = c.ea(d);
                c.write(a, s, shiftDouble(c, left, s, c.readForWrite(a, s), src, n));
            } else {
                c.writeRm(d, s, shiftDouble(c, left, s, c.readRm(d, s), src, n));
            }
        };
    }

    /** SHLD/SHRD of {@code dst} filled from {@code src} by the non-zero masked count {@code n}; sets flags. */
    static long shiftDouble(Core c, boolean left, int s, long dst, long src, int n) {
        int w = s * 8;
        long m = sizeMask(s);
        dst &= m;
        src &= m;
        long r, cf;
        if (s == 2) {
            // 48 bits dest:src:dest, so that counts 17..31 are defined somehow
            long x = dst << 32 | src << 16 | dst;
            if (left) {
                r = (x << n >>> 32) & 0xFFFF;
                cf = (x >>> (48 - n)) & 1;
            } else {
                r = (x >>> n) & 0xFFFF;
                cf = (x >>> (n - 1)) & 1;
            }
        } else if (left) {
            r = (dst << n | shr(src, w - n)) & m;
            cf = (dst >>> (w - n)) & 1;
        } else {
            r = (dst >>> n | shl(src, w - n)) & m;
            cf = (dst >>> (n - 1)) & 1;
        }
        // OF: the sign changed, for a count of 1; for larger counts as the AMD host computes it
        long of = left ? ((r >>> (w - 1)) ^ cf) & 1 : ((r >>> (w - 1)) ^ (r >>> (w - 2))) & 1;
        Flags.result(c, s, r, cf | of << 11 | Flags.AF);
        return r;
    }
}
