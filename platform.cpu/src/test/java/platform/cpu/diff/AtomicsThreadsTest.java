package platform.cpu.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import platform.cpu.Cpu;
import platform.cpu.CpuState;
import platform.cpu.Exit;
import platform.cpu.UserSpace;

/**
 * LOCK across vCPUs (emulator only; the host comparison cannot run two threads): several
 * CPUs on one memory hammer shared counters with LOCK ADD, LOCK XADD, a LOCK CMPXCHG loop,
 * LOCK INC inside an 8-byte word (the compare-and-set path) and across one (the global-lock
 * path), and XCHG as a spinlock around a plain increment. No update may be lost.
 */
class AtomicsThreadsTest {
    static final int CPUS = 3, ROUNDS = 20_000;

    @Test
    void noLostUpdates() throws Exception {
        try (UserSpace u = new UserSpace().load("""
                    mov ecx, %d
                    mov ebx, 1
                l:  lock add qword [DATA], 1
                    lock xadd [DATA + 8], rbx
                    mov rbx, 1
                    mov rax, [DATA + 16]
                r:  lea rdx, [rax + 1]
                    lock cmpxchg [DATA + 16], rdx
                    jnz r
                    lock inc dword [DATA + 26]
                    lock inc dword [DATA + 38]
                    mov edx, 1
                spin:
                    xchg [DATA + 64], edx
                    test edx, edx
                    jnz spin
                    inc qword [DATA + 72]
                    mov dword [DATA + 64], 0
                    dec ecx
                    jnz l
                    syscall
                DATA equ 0x600000
                """.formatted(ROUNDS))) {
            List<Callable<Exit>> runs = new ArrayList<>();
            for (int k = 0; k < CPUS; k++) {
                Cpu cpu = k == 0 ? u.cpu : new Cpu(u.mem, u.cpu.codeCache());
                cpu.setCr3(u.cpu.cr3());
                cpu.setRip(UserSpace.CODE);
                cpu.setReg(CpuState.RSP, UserSpace.STACK_TOP - 0x1000 * (k + 1));
                runs.add(() -> cpu.run(100_000_000));
            }
            ExecutorService pool = Executors.newFixedThreadPool(CPUS);
            try {
                for (Future<Exit> f : pool.invokeAll(runs)) {
                    assertEquals(Exit.SYSCALL, f.get());
                }
            } finally {
                pool.shutdown();
            }
            long n = (long) CPUS * ROUNDS;
            long d = UserSpace.DATA;
            assertEquals(n, u.peek64(d), "lock add");
            assertEquals(n, u.peek64(d + 8), "lock xadd");
            assertEquals(n, u.peek64(d + 16), "lock cmpxchg loop");
            assertEquals(n, (u.peek64(d + 24) >>> 16) & 0xFFFF_FFFFL, "lock inc within a word");
            assertEquals(n, (u.peek64(d + 32) >>> 48) | (u.peek64(d + 40) & 0xFFFF) << 16, "lock inc across words");
            assertEquals(n, u.peek64(d + 72), "xchg spinlock");
        }
    }
}
