package platform.cpu.internal.ops;

import static platform.cpu.internal.ops.X87.*;

import platform.cpu.internal.Core;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.x87.F80;
import platform.cpu.internal.x87.F80.Reg;
import platform.cpu.internal.x87.F80Convert;

/**
 * Memory forms of D9, DB, DD, DF: loads and stores of float32/64/80 and int16/32/64 and
 * packed BCD, the control and status words, and the environment and full state images
 * (FLDENV/FNSTENV, FRSTOR/FNSAVE, protected-mode layouts: 32-bit, 28 + 80 bytes, or with an
 * operand-size prefix 16-bit, 14 + 80 bytes). FISTTP
 * (SSE3) is not announced by CPUID and raises #UD. See {@link X87} for the rules.
 */
final class X87Mem {
    private X87Mem() {}

    static Op d9(int ext) {
        return switch (ext) {
            case 0 -> load(32);
            case 2 -> storeFloat(32, false);
            case 3 -> storeFloat(32, true);
            case 4 -> (c, d) -> { waitCheck(c); loadEnv(c, c.ea(d), o16(d)); }; // FLDENV (waits: #MF first)
            case 5 -> (c, d) -> { // FLDCW (waits: #MF first)
                waitCheck(c);
                setFcw(c, c.read16(c.ea(d)));
            };
            case 6 -> (c, d) -> { // FNSTENV, then all exceptions masked (so nothing is pending: ES and B clear)
                deviceCheck(c);
                storeEnv(c, c.ea(d), o16(d));
                setFcw(c, c.fcw | F80.EXCEPTIONS);
            };
            case 7 -> (c, d) -> { deviceCheck(c); c.write16(c.ea(d), c.fcw); };
            default -> null;
        };
    }

    static Op db(int ext) {
        return switch (ext) {
            case 0 -> loadInt(32);
            case 2 -> storeInt(32, false);
            case 3 -> storeInt(32, true);
            case 5 -> (c, d) -> { // FLD m80
                waitCheck(c);
                long ea = c.ea(d);
                long m = c.read64(ea);
                int se = c.read16(ea + 8);
                status(c, push(c, se, m));
            };
            case 7 -> (c, d) -> { // FSTP m80
                waitCheck(c);
                long ea = c.ea(d);
                c.probeWrite(ea, 10);
                if (empty(c, 0)) {
                    if ((c.fcw & F80.IE) == 0) {
                        status(c, F80.IE | SF);
                        return;
                    }
                    c.write64(ea, F80.INDEFINITE_M);
                    c.write16(ea + 8, F80.INDEFINITE_SE);
                    status(c, F80.IE | SF);
                } else {
                    c.write64(ea, stM(c, 0));
                    c.write16(ea + 8, stSe(c, 0));
                    status(c, 0);
                }
                pop(c);
            };
            default -> null;
        };
    }

    static Op dd(int ext) {
        return switch (ext) {
            case 0 -> load(64);
            case 2 -> storeFloat(64, false);
            case 3 -> storeFloat(64, true);
            case 4 -> (c, d) -> { // FRSTOR (waits: #MF first)
                waitCheck(c);
                long ea = c.ea(d);
                boolean o16 = o16(d);
                long regs = ea + envSize(o16);
                probe(c, ea, envSize(o16) + 80, o16, false);
                int top = (c.read16(ea + (o16 ? 2 : 4)) >> 11) & 7;
                for (int i = 0; i < 8; i++) {
                    int p = (top + i) & 7;
                    c.fpuM[p] = c.read64(regs + 10L * i);
                    c.fpuSE[p] = c.read16(regs + 10L * i + 8);
                }
                loadEnv(c, ea, o16);
            };
            case 6 -> (c, d) -> { // FNSAVE, then FNINIT
                deviceCheck(c);
                long ea = c.ea(d);
                boolean o16 = o16(d);
                long regs = ea + envSize(o16);
                probe(c, ea, envSize(o16) + 80, o16, true);
                storeEnv(c, ea, o16);
                for (int i = 0; i < 8; i++) {
                    c.write64(regs + 10L * i, stM(c, i));
                    c.write16(regs + 10L * i + 8, stSe(c, i));
                }
                c.fcw = F80.FCW_DEFAULT;
                c.fsw = 0;
                c.ftw = 0xFFFF;
            };
            case 7 -> (c, d) -> { deviceCheck(c); c.write16(c.ea(d), c.fsw); }; // FNSTSW m16
            default -> null;
        };
    }

    static Op df(int ext) {
        return switch (ext) {
            case 0 -> loadInt(16);
            case 2 -> storeInt(16, false);
            case 3 -> storeInt(16, true);
            case 4 -> (c, d) -> { // FBLD
                waitCheck(c);
                long ea = c.ea(d);
                long lo = c.read64(ea);
                int hi = c.read16(ea + 8);
                long v = 0;
                for (int k = 8; k >= 0; k--) {
                    int b = k == 8 ? hi & 0xFF : (int) (lo >>> (8 * k)) & 0xFF;
                    v = v * 100 + (b >> 4) * 10 + (b & 15);
                }
                Reg r = scratch(c)[0];
                F80Convert.fromInt64(v, r);
                if ((hi & 0x8000) != 0) {
                    r.se |= 0x8000;
                }
                status(c, push(c, r.se, r.m));
            };
            case 5 -> loadInt(64);
            case 6 -> (c, d) -> { // FBSTP
                waitCheck(c);
                long ea = c.ea(d);
                c.probeWrite(ea, 10);
                Reg r = scratch(c)[0];
                int st;
                if (empty(c, 0)) {
                    st = F80.IE | SF;
                } else {
                    st = F80Convert.toInt(stSe(c, 0), stM(c, 0), c.fcw, 64, r);
                    if ((st & F80.IE) == 0 && (r.m == Long.MIN_VALUE || Math.abs(r.m) > 999_999_999_999_999_999L)) {
                        st = (st & ~(F80.PE | C1)) | F80.IE;
                    }
                }
                if ((st & F80.IE) != 0) {
                    if (blocked(c, st)) {
                        status(c, st);
                        return;
                    }
                    c.write64(ea, 0xC000000000000000L); // packed BCD indefinite
                    c.write16(ea + 8, 0xFFFF);
                } else {
                    long v = Math.abs(r.m);
                    long lo = 0;
                    for (int k = 0; k < 8; k++) {
                        lo |= ((v % 10) | ((v / 10) % 10) << 4) << (8 * k);
                        v /= 100;
                    }
                    int b8 = (int) ((v % 10) | ((v / 10) % 10) << 4);
                    c.write64(ea, lo);
                    c.write16(ea + 8, b8 | (stSe(c, 0) & 0x8000));
                }
                status(c, st);
                pop(c);
            };
            case 7 -> storeInt(64, true);
            default -> null;
        };
    }

    /**
     * FLD m32/m64 (float): a stack overflow is reported alone (no DE or IE from the operand); an
     * unmasked IE (SNaN) loads nothing, an unmasked DE loads the value and sets ES.
     */
    private static Op load(int bits) {
        return (c, d) -> {
            waitCheck(c);
            Reg r = scratch(c)[0];
            int st = loadOperand(c, c.ea(d), bits, true, r);
            if (!empty(c, 7)) {
                status(c, push(c, r.se, r.m));
                return;
            }
            if ((st & ~c.fcw & F80.IE) != 0) { // an unmasked DE still loads the (normalized) value
                status(c, st);
                return;
            }
            status(c, st | push(c, r.se, r.m));
        };
    }

    /** FILD m16/m32/m64. */
    private static Op loadInt(int bits) {
        return (c, d) -> {
            waitCheck(c);
            Reg r = scratch(c)[0];
            loadOperand(c, c.ea(d), bits, false, r);
            status(c, push(c, r.se, r.m));
        };
    }

    /** FST/FSTP m32/m64: an unmasked IE, OE or UE stores nothing and does not pop. */
    private static Op storeFloat(int bits, boolean popAfter) {
        return (c, d) -> {
            waitCheck(c);
            long ea = c.ea(d);
            c.probeWrite(ea, bits / 8); // a fault comes first, even before an unmasked exception
            Reg r = scratch(c)[0];
            int st;
            if (empty(c, 0)) {
                st = F80.IE | SF;
                r.m = bits == 32 ? 0xFFC00000L : 0xFFF8000000000000L; // the format's indefinite
            } else {
                st = bits == 32 ? F80Convert.toFloat32(stSe(c, 0), stM(c, 0), c.fcw, r)
                        : F80Convert.toFloat64(stSe(c, 0), stM(c, 0), c.fcw, r);
            }
            if ((st & ~c.fcw & (F80.IE | F80.OE | F80.UE)) != 0) {
                status(c, st);
                return;
            }
            if (bits == 32) {
                c.write32(ea, r.m);
            } else {
                c.write64(ea, r.m);
            }
            status(c, st);
            if (popAfter) {
                pop(c);
            }
        };
    }

    /** FIST/FISTP m16/m32/m64. */
    private static Op storeInt(int bits, boolean popAfter) {
        return (c, d) -> {
            waitCheck(c);
            long ea = c.ea(d);
            c.probeWrite(ea, bits / 8);
            Reg r = scratch(c)[0];
            int st;
            if (empty(c, 0)) {
                st = F80.IE | SF;
                r.m = Long.MIN_VALUE >> (64 - bits); // the integer indefinite
            } else {
                st = F80Convert.toInt(stSe(c, 0), stM(c, 0), c.fcw, bits, r);
            }
            if ((st & ~c.fcw & F80.IE) != 0) {
                status(c, st);
                return;
            }
            c.write(ea, bits / 8, r.m);
            status(c, st);
            if (popAfter) {
                pop(c);
            }
        };
    }

    /** FLDCW: bits 6 and 13..15 are reserved (6 reads as 1); ES follows the newly unmasked flags. */
    static void setFcw(Core c, int v) {
        c.fcw = (v & 0x1F3F) | 0x40;
        if ((c.fsw & ~c.fcw & F80.EXCEPTIONS) != 0) {
            c.fsw |= ES | B;
        } else {
            c.fsw &= ~(ES | B);
        }
    }

    /** The 16-bit image formats (14-byte environment, 94-byte state) are chosen by an operand-size prefix without REX.W. */
    static boolean o16(Insn d) {
        return d.has(Insn.P_OPSIZE) && !d.has(Insn.P_REXW);
    }

    static int envSize(boolean o16) {
        return o16 ? 14 : 28;
    }

    /**
     * Checks that an image of {@code len} bytes at {@code ea} can be accessed, before anything is
     * changed, in the order the host x87 (AMD) touches it: its first dword (word for the 16-bit
     * formats), then its last byte, so that an image crossing into an unmapped page faults with
     * CR2 = its last byte unless its first dword already crosses.
     */
    static void probe(Core c, long ea, int len, boolean o16, boolean write) {
        int first = o16 ? 2 : 4;
        if (write) {
            c.probeWrite(ea, first);
            c.probeWrite(ea + len - 1, 1);
            c.probeWrite(ea, len);
        } else {
            c.probeRead(ea, first);
            c.probeRead(ea + len - 1, 1);
            c.probeRead(ea, len);
        }
    }

    /**
     * FNSTENV image, protected-mode layout: 32-bit (FCW, FSW, FTW, FIP, FCS|FOP, FDP, FDS; 4
     * bytes each, the upper halves of the first three and of FDS all ones) or 16-bit (the same
     * seven fields, 2 bytes each). The instruction and data pointers are not kept: zero.
     */
    static void storeEnv(Core c, long ea, boolean o16) {
        probe(c, ea, envSize(o16), o16, true);
        if (o16) {
            c.write16(ea, c.fcw);
            c.write16(ea + 2, c.fsw);
            c.write16(ea + 4, c.ftw);
            c.write64(ea + 6, 0);
            return;
        }
        c.write32(ea, 0xFFFF0000L | c.fcw);
        c.write32(ea + 4, 0xFFFF0000L | c.fsw);
        c.write32(ea + 8, 0xFFFF0000L | c.ftw);
        c.write32(ea + 12, 0);
        c.write32(ea + 16, 0);
        c.write32(ea + 20, 0);
        c.write32(ea + 24, 0xFFFF0000L);
    }

    /** FLDENV: loads FCW, FSW, FTW; a tag other than empty is recomputed from the register's value. */
    static void loadEnv(Core c, long ea, boolean o16) {
        probe(c, ea, envSize(o16), o16, false);
        int step = o16 ? 2 : 4;
        int fcw = c.read16(ea);
        int fsw = c.read16(ea + step);
        int ftw = c.read16(ea + 2L * step);
        c.fsw = fsw;
        int tags = 0;
        for (int p = 0; p < 8; p++) {
            int t = (ftw >> (2 * p)) & 3;
            if (t != TAG_EMPTY) {
                t = tagOf(c.fpuSE[p], c.fpuM[p]);
            }
            tags |= t << (2 * p);
        }
        c.ftw = tags;
        setFcw(c, fcw);
    }
}
