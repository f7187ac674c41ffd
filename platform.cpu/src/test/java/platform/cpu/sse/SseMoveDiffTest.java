package platform.cpu.sse;

import static platform.cpu.diff.Differential.ALL;

import java.util.List;
import org.junit.jupiter.api.Test;
import platform.cpu.diff.Differential;
import platform.cpu.diff.MachineState;

/**
 * Data movement and shuffles against the host CPU: every load, store and register form,
 * which parts of the destination are kept or zeroed, alignment (#GP) for the aligned forms
 * only, stores that cross into an unmapped page (#PF, nothing written), MMX transitions.
 */
class SseMoveDiffTest {
    private final SseGen g = new SseGen(11);

    private MachineState state() {
        return g.packedState();
    }

    @Test
    void loadsStoresAndRegisterForms() {
        Differential.Batch b = Differential.batch();
        List<String> asm = List.of(
                "movups xmm1, xmm2", "movups xmm1, [DATA + 0x103]", "movups [DATA + 0x105], xmm9",
                "movupd xmm1, [DATA + 0x103]", "movupd [DATA + 0x105], xmm9", "movupd xmm15, xmm0",
                "movaps xmm1, [DATA + 0x100]", "movaps [DATA + 0x110], xmm3", "movapd xmm8, [DATA + 0x120]",
                "movapd [DATA + 0x130], xmm12", "movaps xmm1, xmm2", "movapd xmm1, xmm11",
                "movdqa xmm1, [DATA + 0x100]", "movdqa [DATA + 0x110], xmm3", "movdqa xmm4, xmm5",
                "movdqu xmm1, [DATA + 0x101]", "movdqu [DATA + 0x10F], xmm3", "movdqu xmm14, xmm5",
                "movss xmm1, xmm2", "movss xmm1, [DATA + 0x101]", "movss [DATA + 0x103], xmm10",
                "movsd xmm1, xmm2", "movsd xmm1, [DATA + 0x101]", "movsd [DATA + 0x103], xmm10",
                "movlps xmm1, [DATA + 0x104]", "movlps [DATA + 0x104], xmm1", "movhps xmm1, [DATA + 0x104]",
                "movhps [DATA + 0x104], xmm1", "movlpd xmm1, [DATA + 0x104]", "movlpd [DATA + 0x104], xmm13",
                "movhpd xmm1, [DATA + 0x104]", "movhpd [DATA + 0x104], xmm13", "movhlps xmm1, xmm2",
                "movlhps xmm1, xmm2", "movhlps xmm3, xmm3",
                "movntps [DATA + 0x100], xmm3", "movntpd [DATA + 0x100], xmm3", "movntdq [DATA + 0x100], xmm3",
                "movnti [DATA + 0x103], eax", "movnti [DATA + 0x103], r9", "movntq [DATA + 0x103], mm3",
                "movmskps eax, xmm3", "movmskpd r11d, xmm13", "movmskps rcx, xmm0",
                "movd xmm1, eax", "movd xmm1, [DATA + 0x101]", "movd eax, xmm1", "movd [DATA + 0x101], xmm1",
                "movq xmm1, rax", "movq xmm1, [DATA + 0x101]", "movq rax, xmm1", "movq [DATA + 0x101], xmm1",
                "movq xmm1, xmm2", "movq xmm9, xmm9", "lea rax, [DATA + 0x101]\ndb 0x66, 0x48, 0x0f, 0x6e, 0x08", "lea rax, [DATA + 0x101]\ndb 0x66, 0x48, 0x0f, 0x7e, 0x08",
                "movd mm1, eax", "movd mm1, [DATA + 0x101]", "movd eax, mm1", "movd [DATA + 0x101], mm1",
                "movq mm1, rax", "movq rax, mm1", "movq mm1, mm2", "movq mm1, [DATA + 0x101]", "movq [DATA + 0x101], mm7",
                "movq2dq xmm1, mm2", "movdq2q mm1, xmm2", "movd r12d, mm0", "movd r12d, xmm15");
        for (String a : asm) {
            for (int k = 0; k < 8; k++) {
                b.add(a, state(), ALL).name(a);
            }
        }
        b.run();
    }

    @Test
    void shuffles() {
        Differential.Batch b = Differential.batch();
        for (String op : List.of("unpcklps", "unpckhps", "unpcklpd", "unpckhpd")) {
            for (int k = 0; k < 8; k++) {
                b.add(op + " xmm1, xmm2", state(), ALL);
                b.add(op + " xmm1, [DATA + 0x100]", state(), ALL);
            }
        }
        for (int imm = 0; imm < 256; imm += 7) {
            b.add("shufps xmm1, xmm2, " + imm, state(), ALL);
            b.add("shufps xmm2, xmm2, " + imm, state(), ALL);
            b.add("shufpd xmm1, xmm2, " + (imm & 3), state(), ALL);
            b.add("shufps xmm1, [DATA + 0x100], " + imm, state(), ALL);
        }
        b.run();
    }

    @Test
    void maskedStores() {
        Differential.Batch b = Differential.batch();
        for (int k = 0; k < 60; k++) {
            MachineState s = state().set(MachineState.RDI, MachineState.DATA + 0x100 + g.rnd.nextInt(64));
            b.add("maskmovdqu xmm1, xmm2", s, ALL);
            b.add("maskmovq mm1, mm2", s, ALL);
        }
        // a masked store into the unmapped page after the data: #PF only if a selected byte is there
        for (int k = 0; k < 20; k++) {
            MachineState s = state().set(MachineState.RDI, MachineState.DATA + 8192 - 8);
            s.xmm[4] = k < 10 ? 0x8080_8080_8080_8080L : g.packed();
            s.xmm[5] = k < 5 ? 0 : g.packed();
            b.add("maskmovdqu xmm1, xmm2", s, ALL).name("maskmovdqu at the end of the data");
            s = state().set(MachineState.RDI, MachineState.DATA + 8192 - 4);
            s.fpuM[2] = k < 10 ? 0x8080_8080L : k < 12 ? 0 : g.packed();
            b.add("maskmovq mm1, mm2", s, ALL).name("maskmovq at the end of the data");
        }
        MachineState none = state().set(MachineState.RDI, MachineState.DATA + 8192 - 4);
        none.xmm[4] = 0;
        none.xmm[5] = 0;
        b.add("maskmovdqu xmm1, xmm2", none, ALL).name("maskmovdqu, empty mask, at the end of the data");
        b.run();
    }

    @Test
    void alignmentAndPageFaults() {
        Differential.Batch b = Differential.batch();
        for (String a : List.of("movaps xmm1, [DATA + 0x108]", "movaps [DATA + 0x108], xmm1",
                "movdqa xmm1, [DATA + 0x104]", "movdqa [DATA + 0x101], xmm1", "movntdq [DATA + 0x108], xmm1",
                "movntps [DATA + 0x108], xmm1", "unpcklps xmm1, [DATA + 0x108]", "shufpd xmm1, [DATA + 0x108], 1",
                "movups xmm1, [DATA + 8184]", "movups [DATA + 8184], xmm1", "movdqu [DATA + 8190], xmm1",
                "movss [DATA + 8190], xmm1", "movsd xmm1, [DATA + 8188]", "movhps [DATA + 8188], xmm1",
                "movq [DATA + 8188], mm1", "movd [DATA + 8190], mm1", "movups xmm1, [RODATA + 8]",
                "movups [RODATA + 8], xmm1", "movups [DATA + 4088], xmm1")) {
            b.add(a, state(), ALL).name(a);
        }
        // invalid encodings: #UD
        for (String a : List.of("db 0x0f, 0x13, 0xc1", "db 0x66, 0x0f, 0x12, 0xc1", "db 0x0f, 0x2b, 0xc1",
                "db 0x0f, 0x50, 0x00", "db 0x0f, 0xc3, 0xc1", "db 0xf3, 0x0f, 0xd6, 0x00", "db 0xf0, 0x0f, 0x28, 0xc1",
                "db 0x66, 0x0f, 0xe7, 0xc1", "db 0x0f, 0xf7, 0x00", "db 0x66, 0x0f, 0x16, 0xc1")) {
            b.add(a, state(), ALL).name(a);
        }
        b.run();
    }

    /** SSE3's MOVDDUP, MOVSLDUP, MOVSHDUP share opcodes with MOVLPS/MOVHPS; SSE3 is not announced: #UD. */
    @Test
    void sse3MovesAreNotImplemented() {
        for (String a : List.of("movddup xmm1, xmm2", "movsldup xmm1, [DATA]", "movshdup xmm1, xmm2")) {
            org.junit.jupiter.api.Assertions.assertEquals(platform.cpu.Vectors.UD, Differential.emulate(a, state()).vector, a);
        }
    }
}
