package platform.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The interpreter runs a small program: loops, calls, memory, flags, SYSCALL exit. */
class SmokeTest {
    @Test
    void sumLoopCallAndSyscall() {
        try (UserSpace u = new UserSpace().load("""
                    mov ecx, 100
                    xor eax, eax
                loop_:
                    add rax, rcx
                    dec ecx
                    jnz loop_
                    call f
                    mov [rel data], rax
                    mov rdi, [rel data]
                    syscall
                f:  push rbx
                    mov rbx, rax
                    lea rax, [rbx + rbx*2 + 7]
                    pop rbx
                    ret
                data: equ 0x600000
                """)) {
            assertEquals(Exit.SYSCALL, u.run(10_000));
            assertEquals(5050 * 3 + 7, u.cpu.reg(CpuState.RDI));
            assertEquals(5050 * 3 + 7, u.peek64(UserSpace.DATA));
            assertEquals(0, u.cpu.cpl());
            u.cpu.sysret();
            assertEquals(3, u.cpu.cpl());
        }
    }
}
