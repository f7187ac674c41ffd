package platform.cpu.sse;

import static platform.cpu.diff.Differential.ALL;

import java.util.List;
import org.junit.jupiter.api.Test;
import platform.cpu.diff.Differential;
import platform.cpu.diff.MachineState;

/**
 * The packed-integer instructions (MMX and SSE2 forms) against the host CPU: register and
 * memory operands, random and boundary lanes, every shift count class, every shuffle
 * immediate class. The x87 state is compared too (the MMX forms set TOP = 0, all tags valid,
 * exponent fields 0xFFFF).
 */
class SseIntDiffTest {
    static final List<String> BINARY = List.of(
            "punpcklbw", "punpcklwd", "punpckldq", "packsswb", "pcmpgtb", "pcmpgtw", "pcmpgtd", "packuswb",
            "punpckhbw", "punpckhwd", "punpckhdq", "packssdw", "pcmpeqb", "pcmpeqw", "pcmpeqd",
            "psrlw", "psrld", "psrlq", "paddq", "pmullw", "psubusb", "psubusw", "pminub", "pand", "paddusb",
            "paddusw", "pmaxub", "pandn", "pavgb", "psraw", "psrad", "pavgw", "pmulhuw", "pmulhw", "psubsb",
            "psubsw", "pminsw", "por", "paddsb", "paddsw", "pmaxsw", "pxor", "psllw", "pslld", "psllq",
            "pmuludq", "pmaddwd", "psadbw", "psubb", "psubw", "psubd", "psubq", "paddb", "paddw", "paddd");

    private final SseGen g = new SseGen(3);

    /** Shift counts: small, at and past each lane width, huge (in the count register's low quadword). */
    private long count() {
        long[] c = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 0x1_0000_0000L, Long.MIN_VALUE, -1};
        return g.rnd.nextInt(3) == 0 ? g.rnd.nextLong() : c[g.rnd.nextInt(c.length)];
    }

    private MachineState state(String op) {
        MachineState s = g.packedState();
        if (op.startsWith("psll") || op.startsWith("psrl") || op.startsWith("psra")) {
            long n = count();
            s.xmm[2 * 2] = n;
            s.fpuM[2] = n;
            s.poke(0x100, 8, n);
        }
        return s;
    }

    @Test
    void xmmForms() {
        Differential.Batch b = Differential.batch();
        for (String op : BINARY) {
            for (int k = 0; k < 40; k++) {
                b.add(op + " xmm1, xmm2", state(op), ALL).name(op);
                b.add(op + " xmm9, xmm2", state(op), ALL).name(op);
                b.add(op + " xmm3, xmm3", state(op), ALL).name(op);
                b.add(op + " xmm1, [DATA + 0x100]", state(op), ALL).name(op + " mem");
            }
        }
        for (String op : List.of("punpcklqdq", "punpckhqdq")) {
            for (int k = 0; k < 20; k++) {
                b.add(op + " xmm1, xmm2", state(op), ALL);
                b.add(op + " xmm12, [DATA + 0x100]", state(op), ALL);
            }
        }
        b.run();
    }

    @Test
    void mmxForms() {
        Differential.Batch b = Differential.batch();
        for (String op : BINARY) {
            for (int k = 0; k < 30; k++) {
                b.add(op + " mm1, mm2", state(op), ALL).name(op);
                b.add(op + " mm5, mm5", state(op), ALL).name(op);
                b.add(op + " mm1, [DATA + 0x100]", state(op), ALL).name(op + " mem");
            }
        }
        b.run();
    }

    @Test
    void shiftsByImmediate() {
        Differential.Batch b = Differential.batch();
        int[] counts = {0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 100, 255};
        for (String op : List.of("psrlw", "psraw", "psllw", "psrld", "psrad", "pslld", "psrlq", "psllq")) {
            for (int n : counts) {
                b.add(op + " xmm4, " + n, state(op), ALL);
                b.add(op + " xmm13, " + n, state(op), ALL);
                b.add(op + " mm4, " + n, state(op), ALL);
            }
        }
        for (String op : List.of("psrldq", "pslldq")) {
            for (int n = 0; n < 20; n++) {
                b.add(op + " xmm4, " + n, state(op), ALL);
            }
            b.add(op + " xmm10, 255", state(op), ALL);
        }
        b.run();
    }

    @Test
    void shufflesInsertExtractMask() {
        Differential.Batch b = Differential.batch();
        for (int k = 0; k < 40; k++) {
            int imm = k < 8 ? new int[] {0, 0xFF, 0x1B, 0xE4, 0x4E, 0xB1, 0x55, 0xAA}[k] : g.rnd.nextInt(256);
            b.add("pshufd xmm1, xmm2, " + imm, state(""), ALL);
            b.add("pshufd xmm2, xmm2, " + imm, state(""), ALL);
            b.add("pshufd xmm1, [DATA + 0x100], " + imm, state(""), ALL);
            b.add("pshufhw xmm1, xmm2, " + imm, state(""), ALL);
            b.add("pshuflw xmm1, [DATA + 0x100], " + imm, state(""), ALL);
            b.add("pshufw mm1, mm2, " + imm, state(""), ALL);
            b.add("pshufw mm1, [DATA + 0x100], " + imm, state(""), ALL);
            b.add("pinsrw xmm3, eax, " + imm, state(""), ALL);
            b.add("pinsrw xmm3, [DATA + 0x101], " + imm, state(""), ALL);
            b.add("pinsrw mm3, ecx, " + imm, state(""), ALL);
            b.add("pextrw eax, xmm11, " + imm, state(""), ALL);
            b.add("pextrw r10d, mm6, " + imm, state(""), ALL);
        }
        for (int k = 0; k < 40; k++) {
            b.add("pmovmskb eax, xmm5", state(""), ALL);
            b.add("pmovmskb r9d, xmm14", state(""), ALL);
            b.add("pmovmskb ecx, mm7", state(""), ALL);
        }
        b.run();
    }

    @Test
    void alignmentAndFaults() {
        Differential.Batch b = Differential.batch();
        for (String op : List.of("paddb", "pcmpeqb", "punpcklbw", "pshufd xmm1, [DATA + 0x108], 0 ;")) {
            String asm = op.contains(";") ? op : op + " xmm1, [DATA + 0x108]";
            b.add(asm, state(""), ALL).name("misaligned");
        }
        b.add("paddb mm1, [DATA + 0x107]", state(""), ALL).name("MMX: no alignment");
        b.add("punpcklbw mm1, [DATA + 8188]", state(""), ALL).name("MMX PUNPCKLBW reads 4 bytes");
        b.add("paddb mm1, [DATA + 8188]", state(""), ALL).name("crosses into the unmapped page");
        b.add("paddb xmm1, [DATA + 8192]", state(""), ALL).name("#PF");
        b.add("psrlw xmm1, [DATA + 0x108]", state(""), ALL).name("count operand misaligned");
        b.add("db 0xf0, 0x66, 0x0f, 0xfc, 0xc1", state(""), ALL).name("LOCK paddb: #UD");
        b.add("db 0x66, 0x0f, 0x71, 0x10, 0x03", state(""), ALL).name("psrlw with a memory operand: #UD");
        b.add("db 0x0f, 0x73, 0xf9, 0x03", state(""), ALL).name("MMX pslldq: #UD");
        b.add("db 0x66, 0x0f, 0xd7, 0x00", state(""), ALL).name("pmovmskb memory: #UD");
        // REX.R/REX.B do not extend MMX register numbers (they still extend a GPR or memory base)
        b.add("db 0x45, 0x0f, 0xfc, 0xca", state(""), ALL).name("REX.RB paddb mm1, mm2");
        b.add("db 0x4d, 0x0f, 0x6e, 0xc9", state(""), ALL).name("REX.WRB movq mm1, r9");
        b.add("lea r9, [DATA + 0x100]\ndb 0x45, 0x0f, 0xfc, 0x09", state(""), ALL).name("REX.RB paddb mm1, [r9]");
        b.add("db 0x44, 0x0f, 0xd7, 0xc9", state(""), ALL).name("REX.R pmovmskb r9d, mm1");
        b.run();
    }

    /** An MMX instruction with an x87 exception pending (FSW.ES) raises #MF and changes nothing. */
    @Test
    void pendingX87ExceptionRaisesMf() {
        Differential.Batch b = Differential.batch();
        for (String a : List.of("paddb mm1, mm2", "movq mm1, [DATA + 0x100]", "movd eax, mm3", "emms", "pmovmskb eax, mm1",
                "pshufw mm1, mm2, 3", "psrlq mm1, 3", "movq2dq xmm1, mm2", "cvtpi2ps xmm1, mm2", "cvtps2pi mm1, xmm2")) {
            for (int k = 0; k < 4; k++) {
                MachineState s = state("");
                s.fcw = 0x037F & ~1; // IE unmasked
                s.fsw = 0x8081 | (k << 11); // B, ES, IE; TOP k
                b.add(a, s, ALL).name(a + " with #MF pending");
            }
        }
        b.run();
    }
}
