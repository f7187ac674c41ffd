package platform.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * The run contract: every kind of exit, with the register file as the architecture defines
 * it; task state saved, switched and restored; and no allocation in the execution loop.
 */
class ExitsTest {
    private static final String COUNTER = """
            l:  inc rax
                jmp l
            """;

    @Test
    void budgetStopsAfterExactlyThatManyInstructions() {
        try (UserSpace u = new UserSpace().load(COUNTER)) {
            assertEquals(Exit.BUDGET, u.run(1001));
            assertEquals(1001, u.cpu.retired());
            assertEquals(501, u.cpu.reg(CpuState.RAX), "inc, jmp, inc, ... : 501 incs in 1001 instructions");
            assertEquals(UserSpace.CODE + 3, u.cpu.rip(), "RIP is the next instruction (the jmp)");
        }
    }

    @Test
    void pendingInterruptExitsOnlyWhileIfIsSet() {
        try (UserSpace u = new UserSpace().load(COUNTER)) {
            u.cpu.setRflags(0x2); // IF clear: the request waits
            u.cpu.interrupt();
            assertEquals(Exit.BUDGET, u.run(100));
            u.cpu.setRflags(0x202);
            assertEquals(Exit.INTERRUPT, u.run(100));
            long rip = u.cpu.rip();
            assertTrue(rip == UserSpace.CODE || rip == UserSpace.CODE + 3, "at an instruction boundary");
            u.cpu.clearInterrupt();
            assertEquals(Exit.BUDGET, u.run(100));
        }
    }

    @Test
    void hltExitsAtCpl0AndIsProtectedAtCpl3() {
        try (UserSpace u = new UserSpace().load("hlt\nnop")) {
            assertEquals(Exit.EXCEPTION, u.run(10));
            assertEquals(Vectors.GP, u.cpu.vector());
            assertEquals(UserSpace.CODE, u.cpu.rip());
            u.cpu.setCpl(0);
            assertEquals(Exit.HLT, u.run(10));
            assertEquals(UserSpace.CODE + 1, u.cpu.rip(), "RIP after the HLT");
        }
    }

    @Test
    void syscallFollowsTheArchitecture() {
        try (UserSpace u = new UserSpace().load("stc\nsyscall\nnop")) {
            u.cpu.setLstar(0xFFFF_FFFF_8000_1000L);
            u.cpu.setFmask(0x200 | 0x100); // IF, TF
            assertEquals(Exit.SYSCALL, u.run(10));
            assertEquals(UserSpace.CODE + 3, u.cpu.reg(CpuState.RCX), "RCX = next RIP");
            assertEquals(0x203, u.cpu.reg(CpuState.R11), "R11 = RFLAGS (CF set by stc, IF)");
            assertEquals(0xFFFF_FFFF_8000_1000L, u.cpu.rip(), "RIP = LSTAR");
            assertEquals(0x3, u.cpu.rflags(), "RFLAGS masked by FMASK");
            assertEquals(0, u.cpu.cpl());
            u.cpu.sysret();
            assertEquals(UserSpace.CODE + 3, u.cpu.rip());
            assertEquals(0x203, u.cpu.rflags());
            assertEquals(3, u.cpu.cpl());
        }
    }

    @Test
    void breakpointIsATrapAndUd2AFault() {
        try (UserSpace u = new UserSpace().load("int3\nud2")) {
            assertEquals(Exit.EXCEPTION, u.run(10));
            assertEquals(Vectors.BP, u.cpu.vector());
            assertEquals(UserSpace.CODE + 1, u.cpu.rip(), "a trap: RIP past the INT3");
            assertEquals(1, u.cpu.retired());
            assertEquals(Exit.EXCEPTION, u.run(10));
            assertEquals(Vectors.UD, u.cpu.vector());
            assertEquals(UserSpace.CODE + 1, u.cpu.rip(), "a fault: RIP at the UD2");
            assertEquals(1, u.cpu.retired(), "a faulting instruction does not retire");
        }
    }

    @Test
    void twoTasksShareOneCpu() {
        try (UserSpace u = new UserSpace().load(COUNTER)) {
            CpuState a = new CpuState();
            CpuState b = new CpuState();
            u.cpu.save(a);
            u.cpu.save(b);
            b.gpr[CpuState.RAX] = 1000;
            b.xmm[3] = 0x1234;
            for (int slice = 0; slice < 10; slice++) { // round robin, 100 instructions each
                u.cpu.load(a);
                assertEquals(Exit.BUDGET, u.run(100));
                u.cpu.save(a);
                u.cpu.load(b);
                assertEquals(Exit.BUDGET, u.run(100));
                u.cpu.save(b);
            }
            assertEquals(500, a.gpr[CpuState.RAX]);
            assertEquals(1500, b.gpr[CpuState.RAX]);
            assertEquals(0x1234, b.xmm[3]);
            CpuState copy = new CpuState();
            copy.copyFrom(b);
            assertEquals(b, copy);
        }
    }

    @Test
    void theExecutionLoopDoesNotAllocate() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (UserSpace u = new UserSpace().load("""
                    mov rcx, 1000000
                    mov rsi, 0x600000
                l:  add rax, rcx
                    mov [rsi + 8], rax
                    imul rdx, [rsi + 8], 3
                    movq xmm0, rdx
                    paddq xmm1, xmm0
                    push rax
                    pop rbx
                    call f
                    dec rcx
                    jnz l
                    syscall
                f:  ret
                """)) {
            assertEquals(Exit.SYSCALL, u.run(100_000_000)); // decode and warm up
            u.cpu.sysret();
            u.cpu.setRip(UserSpace.CODE);
            long id = Thread.currentThread().threadId();
            long before = threads.getThreadAllocatedBytes(id);
            assertEquals(Exit.SYSCALL, u.run(100_000_000));
            long allocated = threads.getThreadAllocatedBytes(id) - before;
            assertTrue(allocated < 64 * 1024, "10 million instructions allocated " + allocated + " bytes");
        }
    }
}
