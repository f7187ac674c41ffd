package platform.cpu.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static platform.cpu.diff.Differential.ALL;
import static platform.cpu.diff.MachineState.*;

import org.junit.jupiter.api.Test;
import platform.cpu.Vectors;

/** The harness itself: both sides see the same address space, state and exceptions. */
class DiffHarnessTest {
    private final Gen g = new Gen(1);

    @Test
    void hostRunsToTheEndAndReportsState() {
        MachineState s = g.state().set(RAX, 5).set(RBX, 7);
        Outcome h = Differential.host("add rax, rbx\nmov [DATA + 8], rax", s);
        assertTrue(h.reachedEnd(Differential.endRip("add rax, rbx\nmov [DATA + 8], rax")), h.event());
        assertEquals(12, h.state.gpr[RAX]);
        assertEquals(12, h.state.peek(8, 8));
        assertEquals(s.gpr[R15], h.state.gpr[R15]);
        assertEquals(s.xmm[31], h.state.xmm[31]);
    }

    @Test
    void registersFlagsAndDataRoundTrip() {
        Differential.check("nop", g.states(50), ALL);
        MachineState s = g.state();
        s.push(0x8000_0000_0000_0000L, 0x3FFF).push(0xC000_0000_0000_0000L, 0x4000);
        s.mxcsr(0x1F80 | 0x40);
        Differential.check("nop", s, ALL);
    }

    @Test
    void faultsAreComparedWithVectorErrorCodeAndCr2() {
        MachineState s = g.state();
        Differential.check("mov byte [RODATA + 5], 1", s, ALL);                    // #PF write to read-only
        Differential.check("mov rax, [DATA + 8192]", s, ALL);                     // #PF past the data
        Differential.check("mov rax, [DATA + 8190]", s, ALL);                     // crossing into the unmapped page
        Differential.check("mov rax, 0x0000800000000000\nmov rbx, [rax]", s, ALL); // #GP non-canonical
        Differential.check("ud2", s, ALL);
        Differential.check("xor ecx, ecx\ndiv ecx", s, ALL);                      // #DE
        Differential.check("lea rax, [DATA]\njmp rax", s, ALL);                   // #PF fetch from NX data
        Differential.check("mov al, [RODATA + 100]\nmov bl, [CODE]", s, ALL);     // reads are fine
        Differential.check("int3\nnop", s, ALL);                                  // an early #BP
    }

    @Test
    void aDifferenceIsReported() {
        // the emulator does not run CPUID like the host: the harness must notice
        AssertionError e = assertThrows(AssertionError.class,
                () -> Differential.check("xor eax, eax\ncpuid", g.state(), ALL));
        assertTrue(e.getMessage().contains("rbx"), e.getMessage());
    }

    @Test
    void emulatorOnlyRun() {
        Outcome o = Differential.emulate("mov eax, 1\nud2", g.state());
        assertEquals(Vectors.UD, o.vector);
        assertEquals(1, o.state.gpr[RAX]);
    }
}
