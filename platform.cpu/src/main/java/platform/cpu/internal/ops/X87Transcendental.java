package platform.cpu.internal.ops;

import static platform.cpu.internal.ops.X87.*;

import platform.cpu.internal.Op;
import platform.cpu.internal.x87.F80;
import platform.cpu.internal.x87.F80.Reg;
import platform.cpu.internal.x87.F80Transcendental;

/**
 * D9 F0..FF, the transcendental instructions, on the core's {@link F80Transcendental} unit
 * (within 1 ulp of the hardware, see there): F2XM1, FYL2X, FPTAN, FPATAN, FYL2XP1, FSINCOS,
 * FSIN, FCOS. An operand out of range (|x| >= 2^63) sets C2 and changes nothing.
 */
final class X87Transcendental {
    private X87Transcendental() {}

    static Op d9(int modrm) {
        return switch (modrm) {
            case 0xF0 -> X87Reg.unary((c, r) -> c.fpuTrans.exp2m1(r.se, r.m, c.fcw, r));          // F2XM1
            case 0xFE -> (c, d) -> ranged(c, false, 0);                                            // FSIN
            case 0xFF -> (c, d) -> ranged(c, false, 1);                                            // FCOS
            case 0xF2 -> (c, d) -> ranged(c, true, 2);                                             // FPTAN
            case 0xFB -> (c, d) -> ranged(c, true, 3);                                             // FSINCOS
            case 0xF1, 0xF3, 0xF9 -> { // FYL2X, FPATAN, FYL2XP1: ST(1) = f(ST(1), ST(0)), pop
                int kind = modrm;
                yield (c, d) -> {
                    waitCheck(c);
                    if (empty(c, 0) || empty(c, 1)) {
                        underflowResult(c, 1, 0);
                        if ((c.fcw & F80.IE) != 0) {
                            pop(c);
                        }
                        return;
                    }
                    Reg out = scratch(c)[0];
                    int x0 = stSe(c, 0), y1 = stSe(c, 1);
                    long xm = stM(c, 0), ym = stM(c, 1);
                    int st = switch (kind) {
                        case 0xF1 -> c.fpuTrans.ylog2x(x0, xm, y1, ym, c.fcw, out);
                        case 0xF3 -> c.fpuTrans.atan2(y1, ym, x0, xm, c.fcw, out);
                        default -> c.fpuTrans.ylog2xp1(x0, xm, y1, ym, c.fcw, out);
                    };
                    if (blocked(c, st)) {
                        status(c, st);
                        return;
                    }
                    setSt(c, 1, out.se, out.m);
                    status(c, st);
                    pop(c);
                };
            }
            default -> null;
        };
    }

    /**
     * FSIN (0), FCOS (1), FPTAN (2: ST(0) = tan, push 1.0), FSINCOS (3: ST(0) = sin, push cos).
     * {@code pushes}: the instruction pushes a second result (needs ST(7) empty). C2 is set for
     * an operand out of range and cleared otherwise; C0 and C3 are left alone.
     */
    private static void ranged(platform.cpu.internal.Core c, boolean pushes, int kind) {
        waitCheck(c);
        if (empty(c, 0) || (pushes && !empty(c, 7))) { // underflow (C1 = 0) or overflow (C1 = 1)
            int st = F80.IE | SF | (empty(c, 0) ? 0 : C1);
            if ((c.fcw & F80.IE) != 0) { // masked: the result, or both results, the indefinite
                setSt(c, 0, F80.INDEFINITE_SE, F80.INDEFINITE_M);
                if (pushes) {
                    setTop(c, top(c) - 1);
                    setSt(c, 0, F80.INDEFINITE_SE, F80.INDEFINITE_M);
                }
            }
            rangedStatus(c, st);
            return;
        }
        Reg[] s = scratch(c);
        int se = stSe(c, 0);
        long m = stM(c, 0);
        int st = switch (kind) {
            case 0 -> c.fpuTrans.sin(se, m, c.fcw, s[0]);
            case 1 -> c.fpuTrans.cos(se, m, c.fcw, s[0]);
            case 2 -> c.fpuTrans.tan(se, m, c.fcw, s[0], s[1]);
            default -> c.fpuTrans.sinCos(se, m, c.fcw, s[0], s[1]);
        };
        if ((st & F80.C2) != 0 || blocked(c, st)) { // out of range, or an unmasked exception
            rangedStatus(c, st);
            return;
        }
        setSt(c, 0, s[0].se, s[0].m);
        if (pushes) {
            push(c, s[1].se, s[1].m);
        }
        rangedStatus(c, st);
    }

    /** The status of FSIN..FSINCOS: flags and C1 as usual, C2 = out of range, C0 and C3 unchanged. */
    private static void rangedStatus(platform.cpu.internal.Core c, int st) {
        status(c, st);
        c.fsw = (c.fsw & ~C2) | (st & C2);
    }
}
