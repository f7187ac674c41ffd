package platform.cpu.sse;

import static platform.cpu.diff.Differential.ALL;

import java.util.List;
import org.junit.jupiter.api.Test;
import platform.cpu.diff.Differential;
import platform.cpu.diff.MachineState;

/**
 * The conversions against the host CPU: float/double to int32/int64 (rounded by MXCSR and
 * truncating; NaNs, out-of-range values and the boundaries around 2^31 and 2^63), integer
 * to float (every rounding mode), single to double and back (NaN payloads, denormals with
 * DAZ, underflow and overflow with FTZ), and the MMX forms.
 */
class SseConvertDiffTest {
    private final SseGen g = new SseGen(7);

    private MachineState state(boolean dbl, int mxcsr) {
        MachineState s = g.gen.state();
        for (int k = 0; k < 32; k++) {
            s.xmm[k] = dbl ? g.doubleForInt() : (g.singleForInt() & 0xFFFF_FFFFL) | (long) g.singleForInt() << 32;
        }
        for (int off = 0; off < 512; off += 8) {
            s.poke(off, 8, dbl ? g.doubleForInt() : (g.singleForInt() & 0xFFFF_FFFFL) | (long) g.singleForInt() << 32);
        }
        for (int p = 0; p < 8; p++) {
            s.fpuM[p] = g.packed();
        }
        return s.mxcsr(mxcsr);
    }

    private int mxcsr(int k) {
        return k % 5 == 4 ? g.mxcsrUnmasked() : g.mxcsrMasked();
    }

    @Test
    void floatToInteger() {
        Differential.Batch b = Differential.batch();
        for (String op : List.of("cvtss2si", "cvttss2si", "cvtsd2si", "cvttsd2si")) {
            boolean dbl = op.contains("sd");
            for (int k = 0; k < 200; k++) {
                b.add(op + " eax, xmm3", state(dbl, mxcsr(k)), ALL).name(op + " r32");
                b.add(op + " r10, xmm3", state(dbl, mxcsr(k)), ALL).name(op + " r64");
            }
            b.add(op + " ecx, [DATA + 0x44]", state(dbl, 0x1F80), ALL).name(op + " mem");
            b.add(op + " rcx, [DATA + 0x44]", state(dbl, 0x1F80), ALL).name(op + " mem");
        }
        for (String op : List.of("cvtps2dq", "cvttps2dq", "cvtpd2dq", "cvttpd2dq")) {
            boolean dbl = op.contains("pd");
            for (int k = 0; k < 200; k++) {
                b.add(op + " xmm1, xmm3", state(dbl, mxcsr(k)), ALL).name(op);
            }
            b.add(op + " xmm1, [DATA + 0x40]", state(dbl, 0x1F80), ALL).name(op + " mem");
            b.add(op + " xmm1, [DATA + 0x48]", state(dbl, 0x1F80), ALL).name(op + " misaligned");
        }
        for (String op : List.of("cvtps2pi", "cvttps2pi", "cvtpd2pi", "cvttpd2pi")) {
            boolean dbl = op.contains("pd");
            for (int k = 0; k < 100; k++) {
                b.add(op + " mm1, xmm3", state(dbl, mxcsr(k)), ALL).name(op);
            }
            b.add(op + " mm1, [DATA + 0x48]", state(dbl, 0x1F80), ALL).name(op + " mem");
        }
        b.run();
    }

    @Test
    void integerToFloat() {
        Differential.Batch b = Differential.batch();
        for (String op : List.of("cvtsi2ss", "cvtsi2sd")) {
            for (int k = 0; k < 200; k++) {
                MachineState s = state(false, mxcsr(k));
                s.set(MachineState.RAX, g.gen.value(8)).set(MachineState.RCX, g.gen.bits(4));
                b.add(op + " xmm2, rax", s, ALL).name(op + " r64");
                b.add(op + " xmm2, ecx", s, ALL).name(op + " r32");
            }
            b.add(op + " xmm2, dword [DATA + 0x43]", state(false, 0x1F80), ALL);
            b.add(op + " xmm2, qword [DATA + 0x43]", state(false, 0x1F80), ALL);
        }
        for (String op : List.of("cvtdq2ps", "cvtdq2pd", "cvtpi2ps", "cvtpi2pd")) {
            String src = op.contains("pi") ? "mm3" : "xmm3";
            for (int k = 0; k < 150; k++) {
                MachineState s = state(false, mxcsr(k));
                for (int r = 0; r < 32; r++) {
                    s.xmm[r] = g.packed();
                }
                s.fpuM[3] = g.packed();
                b.add(op + " xmm1, " + src, s, ALL).name(op);
            }
            b.add(op + " xmm1, [DATA + 0x40]", state(false, 0x1F80), ALL).name(op + " mem");
        }
        b.run();
    }

    @Test
    void floatToFloat() {
        Differential.Batch b = Differential.batch();
        for (String op : List.of("cvtss2sd", "cvtps2pd", "cvtsd2ss", "cvtpd2ps")) {
            boolean dbl = op.startsWith("cvtsd") || op.startsWith("cvtpd");
            for (int k = 0; k < 300; k++) {
                MachineState s = state(dbl, mxcsr(k));
                for (int r = 0; r < 32; r++) {
                    s.xmm[r] = dbl ? g.dbl() : g.singles();
                }
                b.add(op + " xmm1, xmm3", s, ALL).name(op);
            }
            b.add(op + " xmm1, [DATA + 0x44]", state(dbl, 0x1F80), ALL).name(op + " mem");
        }
        b.run();
    }
}
