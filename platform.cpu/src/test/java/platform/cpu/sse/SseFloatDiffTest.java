package platform.cpu.sse;

import static platform.cpu.diff.Differential.ALL;

import java.util.List;
import org.junit.jupiter.api.Test;
import platform.cpu.diff.Differential;
import platform.cpu.diff.MachineState;

/**
 * Floating-point arithmetic, compares and logic against the host CPU: operands of every
 * class (zeros, denormals, infinities, quiet and signalling NaNs with payloads, values near
 * overflow and underflow), every rounding mode with and without DAZ and FTZ, random sticky
 * flags, and unmasked exceptions (#XM with the flags the hardware leaves in MXCSR and the
 * destination untouched).
 */
class SseFloatDiffTest {
    static final List<String> ARITH = List.of("add", "sub", "mul", "div", "min", "max", "sqrt");
    static final String[] FORMS = {"ps", "pd", "ss", "sd"};

    private final SseGen g = new SseGen(5);

    /** A state whose XMM registers and data hold values of {@code form}'s type, MXCSR as given. */
    MachineState state(String form, int mxcsr) {
        MachineState s = g.gen.state();
        boolean dbl = form.endsWith("d");
        for (int k = 0; k < 32; k++) {
            s.xmm[k] = dbl ? g.dbl() : g.singles();
        }
        for (int off = 0; off < 512; off += 8) {
            s.poke(off, 8, dbl ? g.dbl() : g.singles());
        }
        // sometimes the same value in both operands (x - x, x / x, min(x, x))
        if (g.rnd.nextInt(8) == 0) {
            s.xmm[2] = s.xmm[4];
            s.xmm[3] = s.xmm[5];
        }
        return s.mxcsr(mxcsr);
    }

    @Test
    void arithmeticMasked() {
        Differential.Batch b = Differential.batch();
        for (String op : ARITH) {
            for (String f : FORMS) {
                String ins = op + f;
                for (int k = 0; k < 150; k++) {
                    b.add(ins + " xmm2, xmm4", state(f, g.mxcsrMasked()), ALL).name(ins);
                }
                for (int k = 0; k < 20; k++) {
                    b.add(ins + " xmm9, [DATA + 0x40]", state(f, g.mxcsrMasked()), ALL).name(ins + " mem");
                }
            }
        }
        b.run();
    }

    @Test
    void arithmeticUnmasked() {
        Differential.Batch b = Differential.batch();
        for (String op : ARITH) {
            for (String f : FORMS) {
                String ins = op + f;
                for (int k = 0; k < 120; k++) {
                    b.add(ins + " xmm2, xmm4", state(f, g.mxcsrUnmasked()), ALL).name(ins + " unmasked");
                }
            }
        }
        b.run();
    }

    @Test
    void compares() {
        Differential.Batch b = Differential.batch();
        for (String f : FORMS) {
            for (int pred = 0; pred < 8; pred++) {
                for (int k = 0; k < 40; k++) {
                    int m = k % 4 == 3 ? g.mxcsrUnmasked() : g.mxcsrMasked();
                    b.add("cmp" + f + " xmm2, xmm4, " + pred, state(f, m), ALL).name("cmp" + f + " " + pred);
                }
                b.add("cmp" + f + " xmm2, [DATA + 0x40], " + pred, state(f, g.mxcsrMasked()), ALL);
            }
            for (int pred : new int[] {8, 9, 13, 17, 22, 31, 0x80, 0xFF}) { // legacy SSE uses imm8 bits 2..0 only
                for (int k = 0; k < 10; k++) {
                    b.add("cmp" + f + " xmm2, xmm4, " + pred, state(f, g.mxcsrMasked()), ALL).name("cmp" + f + " " + pred);
                }
            }
        }
        for (String op : List.of("comiss", "ucomiss", "comisd", "ucomisd")) {
            String f = op.substring(op.length() - 2);
            for (int k = 0; k < 150; k++) {
                int m = k % 4 == 3 ? g.mxcsrUnmasked() : g.mxcsrMasked();
                b.add(op + " xmm2, xmm4", state(f, m), ALL).name(op);
            }
            b.add(op + " xmm2, [DATA + 0x44]", state(f, g.mxcsrMasked()), ALL).name(op + " mem");
        }
        b.run();
    }

    @Test
    void logic() {
        Differential.Batch b = Differential.batch();
        for (String op : List.of("andps", "andnps", "orps", "xorps", "andpd", "andnpd", "orpd", "xorpd")) {
            for (int k = 0; k < 10; k++) {
                b.add(op + " xmm2, xmm4", state("ps", g.mxcsrMasked()), ALL);
                b.add(op + " xmm2, xmm2", state("ps", g.mxcsrMasked()), ALL);
                b.add(op + " xmm2, [DATA + 0x40]", state("ps", g.mxcsrMasked()), ALL);
            }
        }
        b.run();
    }

    @Test
    void alignment() {
        Differential.Batch b = Differential.batch();
        for (String f : FORMS) {
            b.add("add" + f + " xmm1, [DATA + 0x44]", state(f, 0x1F80), ALL).name("scalar: no alignment, packed: #GP");
            b.add("cmp" + f + " xmm1, [DATA + 0x48], 1", state(f, 0x1F80), ALL);
            b.add("sqrt" + f + " xmm1, [DATA + 8190]", state(f, 0x1F80), ALL).name("#PF or #GP");
        }
        b.add("andps xmm1, [DATA + 0x44]", state("ps", 0x1F80), ALL);
        b.add("comisd xmm1, [DATA + 0x44]", state("sd", 0x1F80), ALL);
        b.run();
    }
}
