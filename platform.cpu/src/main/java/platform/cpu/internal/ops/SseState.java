package platform.cpu.internal.ops;

import static platform.cpu.internal.Opcodes.*;

import java.lang.invoke.VarHandle;
import platform.cpu.Vectors;
import platform.cpu.internal.Core;
import platform.cpu.internal.Insn;
import platform.cpu.internal.Op;
import platform.cpu.internal.Opcodes;

/**
 * Saving and restoring the x87/MMX/SSE state, MXCSR access, fences. Owns:
 * <pre>
 *   0F AE /0 FXSAVE(64)  /1 FXRSTOR(64)  /2 LDMXCSR  /3 STMXCSR  /4 XSAVE(64)  /5 XRSTOR(64)
 *         /7 CLFLUSH (memory forms);  /5 LFENCE  /6 MFENCE  /7 SFENCE (register forms)
 *   0F 77    EMMS (all tags empty, and TOP = 0 as the host CPU does)
 *   F2/F3 0F AE: not implemented (RDFSBASE and friends are not announced): #UD
 * </pre>
 *
 * <p>The FXSAVE image (64-bit mode): 0 FCW, 2 FSW, 4 abridged tag (bit p: physical register p
 * not empty), 6 FOP, 8 FIP, 16 FDP (the last three are not kept and save as 0), 24 MXCSR,
 * 28 MXCSR_MASK (0xFFFF), 32 + 16 i ST(i) (10 bytes, 6 reserved bytes written as 0),
 * 160 + 16 n XMMn; bytes 416..511 are not written. With the pointers saved as 0, FXSAVE and
 * FXSAVE64 (REX.W: 64-bit FIP/FDP instead of offset:selector) write the same image. The area must be 16-byte aligned (#GP);
 * the whole 512 bytes must be accessible, and a page fault reports the last byte if its page
 * is the one missing (as the host CPU does).
 * FXRSTOR checks MXCSR's reserved bits (#GP) before loading anything, rebuilds the full
 * tag word from the registers' contents, clears FCW's reserved bits (bit 6 reads as 1) and
 * sets FSW.ES and B exactly when an exception flag is set whose mask bit is clear.
 *
 * <p>XSAVE (XCR0 = x87 | SSE): the same legacy region for the components requested in
 * EDX:EAX (x87: bytes 0..23 and 32..159; SSE: MXCSR and MXCSR_MASK and the XMM registers),
 * then XSTATE_BV at 512 gets, for each requested component, whether it is in use (not in its
 * initial configuration: x87 FCW=37F, FSW=0, all tags empty, registers 0; SSE: XMM0-15 all
 * zero); other header bytes are not written. XRSTOR, standard form only: #GP if XCOMP_BV or
 * the next 8 bytes are not zero or XSTATE_BV names a component outside XCR0, or MXCSR has
 * reserved bits; for each requested component it loads it if its XSTATE_BV bit is set and
 * initializes it otherwise; MXCSR is loaded from memory whenever SSE is requested. The area
 * must be 64-byte aligned (#GP); CR4.OSXSAVE clear is #UD. Both check the whole 576-byte
 * area before they change anything; like the host CPU, XSAVE reports a page fault at the
 * area's last byte first and XRSTOR at the header first.
 */
final class SseState {
    private SseState() {}

    static void register(Opcodes t) {
        t.two(NP, 0xAE, MODRM, SseState::groupAE);
        t.two(PF3, 0xAE, MODRM, i -> null);
        t.two(PF2, 0xAE, MODRM, i -> null);
        t.two(NP, 0x77, 0, i -> Sse.locked(i) ? null : (c, d) -> { // EMMS: TOP = 0 too, as on the host CPU
            Sse.mmxBegin(c);
            c.fsw &= ~0x3800;
            c.ftw = 0xFFFF;
        });
    }

    private static Op groupAE(Insn i) {
        if (Sse.locked(i)) {
            return null;
        }
        int ext = i.ext();
        if (!i.mem) {
            return switch (ext) {
                case 5 -> (c, d) -> VarHandle.acquireFence();
                case 6 -> (c, d) -> VarHandle.fullFence();
                case 7 -> (c, d) -> VarHandle.releaseFence();
                default -> null;
            };
        }
        return switch (ext) {
            case 0 -> (c, d) -> fxsave(c, c.ea(d));
            case 1 -> (c, d) -> fxrstor(c, c.ea(d));
            case 2 -> (c, d) -> {
                Sse.check(c);
                int v = c.read32(c.ea(d));
                if ((v & ~Sse.MXCSR_MASK) != 0) {
                    throw c.fault(Vectors.GP, 0);
                }
                c.mxcsr = v;
            };
            case 3 -> (c, d) -> {
                Sse.check(c);
                c.write32(c.ea(d), c.mxcsr & Sse.MXCSR_MASK);
            };
            case 4 -> (c, d) -> xsave(c, c.ea(d));
            case 5 -> (c, d) -> xrstor(c, c.ea(d));
            case 7 -> (c, d) -> c.probeRead(c.ea(d), 1); // CLFLUSH: no caches; faults like a read
            default -> null; // /6 XSAVEOPT is not announced
        };
    }

    // ---- FXSAVE / FXRSTOR ----------------------------------------------------------------------

    /** #UD/#NM as for FXSAVE/FXRSTOR (CR0.EM, CR0.TS), then #GP unless 16-byte aligned. */
    private static void fxCheck(Core c, long a) {
        if ((c.cr0 & 0xC) != 0) {
            throw c.fault((c.cr0 & 4) != 0 ? Vectors.UD : Vectors.NM, 0);
        }
        if ((a & 15) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
    }

    static void fxsave(Core c, long a) {
        fxCheck(c, a);
        c.probeWrite(a + 511, 1); // the host CPU reports a fault at the last byte first
        c.probeWrite(a, 512);
        writeX87(c, a);
        writeSse(c, a);
    }

    static void fxrstor(Core c, long a) {
        fxCheck(c, a);
        c.probeRead(a + 511, 1); // the host CPU reports a fault at the last byte first
        c.probeRead(a, 512);
        int mxcsr = c.read32(a + 24);
        if ((mxcsr & ~Sse.MXCSR_MASK) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        readX87(c, a);
        readXmm(c, a);
        c.mxcsr = mxcsr;
    }

    /** The x87 part of the legacy region: bytes 0..23 and 32..159. */
    private static void writeX87(Core c, long a) {
        int abridged = 0;
        for (int p = 0; p < 8; p++) {
            if (((c.ftw >> (2 * p)) & 3) != 3) {
                abridged |= 1 << p;
            }
        }
        c.write64(a, (c.fcw & 0xFFFF) | (long) (c.fsw & 0xFFFF) << 16 | (long) abridged << 32); // FOP = 0
        c.write64(a + 8, 0); // FIP
        c.write64(a + 16, 0); // FDP
        int top = (c.fsw >> 11) & 7;
        for (int i = 0; i < 8; i++) {
            int p = (top + i) & 7;
            c.write64(a + 32 + 16 * i, c.fpuM[p]);
            c.write64(a + 40 + 16 * i, c.fpuSE[p] & 0xFFFF);
        }
    }

    /** The SSE part: MXCSR, MXCSR_MASK, XMM0..15. */
    private static void writeSse(Core c, long a) {
        c.write64(a + 24, (c.mxcsr & Sse.MXCSR_MASK) | (long) Sse.MXCSR_MASK << 32);
        for (int k = 0; k < 32; k++) {
            c.write64(a + 160 + 8 * k, c.xmm[k]);
        }
    }

    /** Loads FCW, FSW, the registers and the tags (rebuilt from the abridged tag and the contents). */
    private static void readX87(Core c, long a) {
        long w0 = c.read64(a);
        int fsw = (int) (w0 >>> 16) & 0xFFFF;
        int abridged = (int) (w0 >>> 32) & 0xFF;
        int top = (fsw >> 11) & 7;
        for (int i = 0; i < 8; i++) {
            int p = (top + i) & 7;
            c.fpuM[p] = c.read64(a + 32 + 16 * i);
            c.fpuSE[p] = c.read16(a + 40 + 16 * i);
        }
        int ftw = 0;
        for (int p = 0; p < 8; p++) {
            int tag = (abridged >> p & 1) == 0 ? 3 : tagOf(c.fpuSE[p], c.fpuM[p]);
            ftw |= tag << (2 * p);
        }
        // as the host CPU: FCW's reserved bits read as 0 (bit 6 as 1); FSW.ES and B say
        // whether an unmasked exception is pending, whatever the image says
        int fcw = ((int) w0 & 0x1F3F) | 0x40;
        boolean pending = (fsw & ~fcw & 0x3F) != 0;
        c.fcw = fcw;
        c.fsw = (fsw & ~0x8080) | (pending ? 0x8080 : 0);
        c.ftw = ftw;
    }

    /** The tag of a non-empty register from its contents: 0 valid, 1 zero, 2 special (NaN, infinity, denormal, unnormal). */
    static int tagOf(int se, long m) {
        int exp = se & 0x7FFF;
        if (exp == 0) {
            return m == 0 ? 1 : 2;
        }
        return exp == 0x7FFF || m >= 0 ? 2 : 0;
    }

    private static void readXmm(Core c, long a) {
        for (int k = 0; k < 32; k++) {
            c.xmm[k] = c.read64(a + 160 + 8 * k);
        }
    }

    // ---- XSAVE / XRSTOR ------------------------------------------------------------------------

    private static final int XSTATE_BV = 512;

    private static void xCheck(Core c, long a) {
        if ((c.cr4 & 0x40000) == 0) { // CR0.EM does not matter to XSAVE
            throw c.fault(Vectors.UD, 0);
        }
        if ((c.cr0 & 8) != 0) {
            throw c.fault(Vectors.NM, 0);
        }
        if ((a & 63) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
    }

    /** The requested-feature bitmap: XCR0 and EDX:EAX. */
    private static int rfbm(Core c) {
        return (int) (Cpuid.XCR0 & (c.r[0] & 0xFFFF_FFFFL | c.r[2] << 32));
    }

    /** XINUSE: bit 0 if the x87 state is not in its initial configuration, bit 1 for the XMM registers. */
    static int inUse(Core c) {
        int u = 0;
        boolean x87 = c.fcw == 0x037F && c.fsw == 0 && c.ftw == 0xFFFF;
        for (int p = 0; p < 8 && x87; p++) {
            x87 = c.fpuM[p] == 0 && c.fpuSE[p] == 0;
        }
        if (!x87) {
            u |= 1;
        }
        for (long v : c.xmm) {
            if (v != 0) {
                u |= 2;
                break;
            }
        }
        return u;
    }

    static void xsave(Core c, long a) {
        xCheck(c, a);
        int rfbm = rfbm(c);
        c.probeWrite(a + XSTATE_BV + 63, 1); // the host CPU reports a fault at the area's last byte first
        c.probeWrite(a, XSTATE_BV + 64);
        if ((rfbm & 1) != 0) {
            writeX87(c, a);
        }
        if ((rfbm & 2) != 0) {
            writeSse(c, a);
        }
        long bv = c.read64(a + XSTATE_BV);
        c.write64(a + XSTATE_BV, (bv & ~(long) rfbm) | (inUse(c) & rfbm));
    }

    static void xrstor(Core c, long a) {
        xCheck(c, a);
        int rfbm = rfbm(c);
        c.probeRead(a + XSTATE_BV, 64); // the header first, as the host CPU
        c.probeRead(a, XSTATE_BV);
        long bv = c.read64(a + XSTATE_BV);
        if ((bv & ~Cpuid.XCR0) != 0 || c.read64(a + XSTATE_BV + 8) != 0 || c.read64(a + XSTATE_BV + 16) != 0) {
            throw c.fault(Vectors.GP, 0);
        }
        int mxcsr = c.mxcsr;
        if ((rfbm & 2) != 0) {
            mxcsr = c.read32(a + 24);
            if ((mxcsr & ~Sse.MXCSR_MASK) != 0) {
                throw c.fault(Vectors.GP, 0);
            }
        }
        if ((rfbm & 1) != 0) {
            if ((bv & 1) != 0) {
                readX87(c, a);
            } else {
                c.fcw = 0x037F;
                c.fsw = 0;
                c.ftw = 0xFFFF;
                for (int p = 0; p < 8; p++) {
                    c.fpuM[p] = 0;
                    c.fpuSE[p] = 0;
                }
            }
        }
        if ((rfbm & 2) != 0) {
            if ((bv & 2) != 0) {
                readXmm(c, a);
            } else {
                java.util.Arrays.fill(c.xmm, 0);
            }
            c.mxcsr = mxcsr;
        }
    }
}
