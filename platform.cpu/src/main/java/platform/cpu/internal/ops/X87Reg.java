package platform.cpu.internal.ops;

import static platform.cpu.internal.ops.X87.*;

import platform.cpu.internal.Core;
import platform.cpu.internal.Flags;
import platform.cpu.internal.Op;
import platform.cpu.internal.x87.F80;
import platform.cpu.internal.x87.F80.Reg;
import platform.cpu.internal.x87.F80Misc;

/**
 * Register forms of D9, DA, DB, DD, DF (ModRM 0xC0..0xFF): loads and exchanges between stack
 * registers, constants, unary operations, FPREM/FSCALE/FXTRACT, conditional moves, FCOMI,
 * control (FNINIT, FNCLEX, FNSTSW AX, FFREE, FINCSTP/FDECSTP). See {@link X87} for the rules.
 */
final class X87Reg {
    private X87Reg() {}

    /** Constants rounded to nearest; {@code UP[k]} says the nearest value was rounded up (see {@link #constant}). */
    private static final int[] CONST_SE = {0x3FFF, 0x4000, 0x3FFF, 0x4000, 0x3FFD, 0x3FFE, 0};
    private static final long[] CONST_M = {0x8000000000000000L, 0xD49A784BCD1B8AFEL, 0xB8AA3B295C17F0BCL,
        0xC90FDAA22168C235L, 0x9A209A84FBCFF799L, 0xB17217F7D1CF79ACL, 0};
    /** +1: nearest was rounded up (round down/zero takes one ulp less); -1: rounded down (round up takes one more); 0 exact. */
    private static final int[] CONST_DIR = {0, -1, 1, 1, 1, 1, 0};

    static Op d9(int modrm) {
        int sti = modrm & 7;
        switch (modrm & 0xF8) {
            case 0xC0: // FLD ST(i): an empty source is an underflow (C1 = 0) that pushes the indefinite if masked
                return (c, d) -> {
                    waitCheck(c);
                    if (empty(c, sti)) {
                        if ((c.fcw & F80.IE) == 0) {
                            status(c, F80.IE | SF);
                            return;
                        }
                        status(c, (push(c, F80.INDEFINITE_SE, F80.INDEFINITE_M) | F80.IE | SF) & ~C1);
                        return;
                    }
                    status(c, push(c, stSe(c, sti), stM(c, sti)));
                };
            case 0xC8: // FXCH ST(i)
                return fxch(sti);
            case 0xD8: { // FSTP1 ST(i): undocumented alias of FSTP ST(i), but an empty ST(0) is only popped
                Op fstp = fst(sti, true);
                return (c, d) -> {
                    if (empty(c, 0)) {
                        waitCheck(c);
                        c.fsw &= ~C1;
                        pop(c);
                    } else {
                        fstp.exec(c, d);
                    }
                };
            }
            default:
                break;
        }
        switch (modrm) {
            case 0xD0: return (c, d) -> waitCheck(c); // FNOP
            case 0xE0: return unary((c, r) -> { r.se ^= 0x8000; return 0; });  // FCHS
            case 0xE1: return unary((c, r) -> { r.se &= 0x7FFF; return 0; });  // FABS
            case 0xE4: return (c, d) -> { // FTST
                waitCheck(c);
                statusCc(c, compareSt0(c, 0, 0, false));
            };
            case 0xE5: return (c, d) -> { // FXAM
                waitCheck(c);
                int p = phys(c, 0);
                int sign = (c.fpuSE[p] & 0x8000) != 0 ? C1 : 0;
                int cc = tag(c, p) == TAG_EMPTY ? C3 | C0 : F80.examine(c.fpuSE[p], c.fpuM[p]);
                c.fsw = (c.fsw & ~(C0 | C1 | C2 | C3)) | (cc & (C0 | C2 | C3)) | sign;
            };
            case 0xE8, 0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE: {
                int k = modrm - 0xE8;
                return (c, d) -> {
                    waitCheck(c);
                    status(c, push(c, CONST_SE[k], constant(k, (c.fcw >> 10) & 3)));
                };
            }
            case 0xF4: return (c, d) -> { // FXTRACT: ST(0) = exponent, then push the significand; C0 C2 C3 kept
                waitCheck(c);
                if (empty(c, 0) || !empty(c, 7)) { // underflow (C1 = 0) or overflow (C1 = 1): both results indefinite
                    int st = F80.IE | SF | (empty(c, 0) ? 0 : C1);
                    if ((c.fcw & F80.IE) != 0) {
                        setSt(c, 0, F80.INDEFINITE_SE, F80.INDEFINITE_M);
                        setTop(c, top(c) - 1);
                        setSt(c, 0, F80.INDEFINITE_SE, F80.INDEFINITE_M);
                    }
                    status(c, st);
                    return;
                }
                Reg[] s = scratch(c);
                int st = F80Misc.extract(stSe(c, 0), stM(c, 0), c.fcw, s[0], s[1]);
                if (blocked(c, st)) {
                    status(c, st);
                    return;
                }
                setSt(c, 0, s[0].se, s[0].m);
                status(c, st | push(c, s[1].se, s[1].m));
            };
            case 0xF5, 0xF8: { // FPREM1, FPREM
                boolean ieee = modrm == 0xF5;
                return (c, d) -> {
                    waitCheck(c);
                    if (empty(c, 0) || empty(c, 1)) { // C0, C3 kept; C1, C2 cleared
                        underflowResult(c, 0, 0);
                        c.fsw &= ~C2;
                        return;
                    }
                    Reg out = scratch(c)[0];
                    int aSe = stSe(c, 0), bSe = stSe(c, 1);
                    long aM = stM(c, 0), bM = stM(c, 1);
                    int st = F80Misc.prem(aSe, aM, bSe, bM, ieee, c.fcw, out);
                    if (!blocked(c, st)) {
                        setSt(c, 0, out.se, out.m);
                    }
                    if (blocked(c, st) || (st & F80.IE) != 0 || F80.classify(aSe, aM) >= F80.QNAN
                            || F80.classify(bSe, bM) >= F80.QNAN) {
                        status(c, st & ~(C0 | C1 | C2 | C3)); // no remainder: C0, C3 kept; C1, C2 cleared
                        c.fsw &= ~C2;
                    } else {
                        statusCc(c, st); // C0, C3, C1: quotient bits; C2: incomplete
                    }
                };
            }
            case 0xF6: return (c, d) -> { waitCheck(c); setTop(c, top(c) - 1); c.fsw &= ~C1; }; // FDECSTP
            case 0xF7: return (c, d) -> { waitCheck(c); setTop(c, top(c) + 1); c.fsw &= ~C1; }; // FINCSTP
            case 0xFA: return unary((c, r) -> F80.sqrt(r.se, r.m, c.fcw, r));                   // FSQRT
            case 0xFC: return unary((c, r) -> F80Misc.roundToInt(r.se, r.m, c.fcw, r));         // FRNDINT
            case 0xFD: return (c, d) -> { // FSCALE: ST(0) = ST(0) * 2^trunc(ST(1))
                waitCheck(c);
                if (empty(c, 0) || empty(c, 1)) {
                    underflowResult(c, 0, 0);
                    return;
                }
                Reg out = scratch(c)[0];
                result0(c, F80Misc.scale(stSe(c, 0), stM(c, 0), stSe(c, 1), stM(c, 1), c.fcw, out), out);
            };
            default:
                return X87Transcendental.d9(modrm);
        }
    }

    /** FXCH ST(i) (D9 C8+i and the undocumented aliases DD C8+i, DF C8+i). */
    static Op fxch(int sti) {
        return (c, d) -> {
            waitCheck(c);
            int st = 0;
            if (empty(c, 0) || empty(c, sti)) {
                st = F80.IE | SF;
                if ((c.fcw & F80.IE) == 0) {
                    status(c, st);
                    return;
                }
                if (empty(c, 0)) {
                    setSt(c, 0, F80.INDEFINITE_SE, F80.INDEFINITE_M);
                }
                if (empty(c, sti)) {
                    setSt(c, sti, F80.INDEFINITE_SE, F80.INDEFINITE_M);
                }
            }
            int se = stSe(c, 0);
            long m = stM(c, 0);
            setSt(c, 0, stSe(c, sti), stM(c, sti));
            setSt(c, sti, se, m);
            status(c, st);
        };
    }

    /** FST/FSTP ST(i) (DD D0+i, DD D8+i and the undocumented aliases D9 D8+i, DF D0+i, DF D8+i). */
    static Op fst(int sti, boolean popAfter) {
        return (c, d) -> {
            waitCheck(c);
            if (empty(c, 0)) {
                underflowResult(c, sti, 0);
                if (popAfter && (c.fcw & F80.IE) != 0) {
                    pop(c);
                }
                return;
            }
            setSt(c, sti, stSe(c, 0), stM(c, 0));
            status(c, 0);
            if (popAfter) {
                pop(c);
            }
        };
    }

    /** A constant (index 0..6: 1, log2 10, log2 e, pi, log10 2, ln 2, 0) rounded by RC. */
    static long constant(int k, int rc) {
        long m = CONST_M[k];
        int dir = CONST_DIR[k];
        if (dir > 0 && (rc == F80.RC_DOWN || rc == F80.RC_ZERO)) {
            return m - 1;
        }
        if (dir < 0 && rc == F80.RC_UP) {
            return m + 1;
        }
        return m;
    }

    /** An operation on ST(0) in place: {@code f} updates the register and returns status bits. */
    interface Unary {
        int apply(Core c, Reg r);
    }

    static Op unary(Unary f) {
        return (c, d) -> {
            waitCheck(c);
            if (empty(c, 0)) {
                underflowResult(c, 0, 0);
                return;
            }
            Reg r = scratch(c)[0];
            r.se = stSe(c, 0);
            r.m = stM(c, 0);
            result0(c, f.apply(c, r), r);
        };
    }

    /** DA: FCMOVB/E/BE/U, FUCOMPP. */
    static Op da(int modrm) {
        if (modrm == 0xE9) {
            return compare(1, true, 2, false);
        }
        if (modrm < 0xE0) {
            return fcmov((modrm >> 3) & 3, false, modrm & 7);
        }
        return null;
    }

    /** DB: FCMOVNB/NE/NBE/NU, FNCLEX, FNINIT, FUCOMI, FCOMI (and the 8087 no-ops FENI, FDISI, FSETPM). */
    static Op db(int modrm) {
        if (modrm < 0xE0) {
            return fcmov((modrm >> 3) & 3, true, modrm & 7);
        }
        return switch (modrm & 0xF8) {
            case 0xE8 -> compare(modrm & 7, true, 0, true);
            case 0xF0 -> compare(modrm & 7, false, 0, true);
            default -> switch (modrm) {
                case 0xE0, 0xE1, 0xE4 -> (c, d) -> deviceCheck(c);
                case 0xE2 -> (c, d) -> { // FNCLEX
                    deviceCheck(c);
                    c.fsw &= ~(F80.EXCEPTIONS | SF | ES | B);
                };
                case 0xE3 -> (c, d) -> { // FNINIT
                    deviceCheck(c);
                    c.fcw = F80.FCW_DEFAULT;
                    c.fsw = 0;
                    c.ftw = 0xFFFF;
                };
                default -> null;
            };
        };
    }

    /**
     * FCMOVcc ST(0), ST(i): 0 B (CF), 1 E (ZF), 2 BE (CF or ZF), 3 U (PF); negated for DB. An
     * empty operand is an underflow whatever the condition; otherwise FSW is unchanged (C1 too).
     */
    private static Op fcmov(int cond, boolean negate, int sti) {
        return (c, d) -> {
            waitCheck(c);
            if (empty(c, 0) || empty(c, sti)) {
                underflowResult(c, 0, 0);
                return;
            }
            boolean t = switch (cond) {
                case 0 -> Flags.cf(c);
                case 1 -> Flags.zf(c);
                case 2 -> Flags.cf(c) || Flags.zf(c);
                default -> Flags.pf(c);
            };
            if (t != negate) {
                setSt(c, 0, stSe(c, sti), stM(c, sti));
            }
        };
    }

    /** DD: FFREE, FST/FSTP ST(i), FUCOM, FUCOMP and the alias FXCH4. */
    static Op dd(int modrm) {
        int sti = modrm & 7;
        return switch (modrm & 0xF8) {
            case 0xC0 -> (c, d) -> { waitCheck(c); setTag(c, phys(c, sti), TAG_EMPTY); c.fsw &= ~C1; }; // FFREE
            case 0xC8 -> fxch(sti); // FXCH4: undocumented alias
            case 0xD0 -> fst(sti, false);
            case 0xD8 -> fst(sti, true);
            case 0xE0 -> compare(sti, true, 0, false);
            case 0xE8 -> compare(sti, true, 1, false);
            default -> null;
        };
    }

    /** DF: FNSTSW AX, FUCOMIP, FCOMIP, FFREEP and the aliases FXCH7, FSTP8, FSTP9. */
    static Op df(int modrm) {
        if (modrm == 0xE0) {
            return (c, d) -> {
                deviceCheck(c);
                c.setReg(0, 2, c.fsw);
            };
        }
        return switch (modrm & 0xF8) {
            case 0xE8 -> compare(modrm & 7, true, 1, true);
            case 0xF0 -> compare(modrm & 7, false, 1, true);
            case 0xC0 -> { // FFREEP: undocumented
                int sti = modrm & 7;
                yield (c, d) -> { waitCheck(c); setTag(c, phys(c, sti), TAG_EMPTY); c.fsw &= ~C1; pop(c); };
            }
            case 0xC8 -> fxch(modrm & 7);            // FXCH7: undocumented alias
            case 0xD0, 0xD8 -> fst(modrm & 7, true); // FSTP8, FSTP9: undocumented aliases
            default -> null;
        };
    }
}
