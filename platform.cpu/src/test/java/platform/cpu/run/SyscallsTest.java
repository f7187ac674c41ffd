package platform.cpu.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The system calls cpu-run serves, each driven from a few lines of assembly through the real
 * SYSCALL path: results, Linux errno values (a program exits with the low byte of RAX, so
 * -EFAULT shows as 242) and the calls that end the process.
 */
class SyscallsTest {
    static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EBADF = 9, ENOMEM = 12, EFAULT = 14, EEXIST = 17, ENODEV = 19,
            EINVAL = 22, ENOTTY = 25, ENOSYS = 38;
    static final long DATA = 0x600000;

    /** The exit status of a program that exits with -errno. */
    static int err(int errno) {
        return -errno & 0xFF;
    }

    /** Runs one system call with these arguments and exits with its result. */
    static Tools.Run call(int nr, long... args) {
        String[] regs = {"rdi", "rsi", "rdx", "r10", "r8", "r9"};
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < args.length; k++) {
            sb.append("mov ").append(regs[k]).append(", ").append(args[k]).append('\n');
        }
        sb.append("SYS ").append(nr).append("\nEXIT_RAX\n");
        return AsmRun.run(sb.toString());
    }

    static void ok(Tools.Run r) {
        assertNull(r.message(), () -> "stopped: " + r.message());
    }

    // ---- write, writev, exit ---------------------------------------------------------

    @Test
    void writeGoesToStdoutAndStderr() {
        Tools.Run r = AsmRun.run("""
                mov edi, 1
                lea rsi, [rel msg]
                mov edx, 6
                SYS 1
                mov edi, 2
                lea rsi, [rel msg]
                mov edx, 3
                SYS 1
                EXIT_RAX
                msg: db "hello", 10
                """);
        ok(r);
        assertEquals("hello\n", r.out());
        assertEquals("hel", r.err());
        assertEquals(3, r.status());
    }

    @Test
    void writeErrors() {
        assertEquals(err(EBADF), call(1, 0, DATA, 1).status(), "stdin is not writable");
        assertEquals(err(EBADF), call(1, 7, DATA, 1).status());
        assertEquals(err(EFAULT), call(1, 1, 0x10, 5).status());
        assertEquals(err(EFAULT), call(1, 1, 0x7fff_ffff_ffffL, 5).status());
        assertEquals(0, call(1, 1, 0x10, 0).status(), "count 0 reads nothing");
    }

    @Test
    void writeStopsAtTheFirstBadPage() {
        Tools.Run r = AsmRun.run("""
                xor edi, edi
                mov esi, 8192
                mov edx, 3
                mov r10d, 0x22
                mov r8, -1
                xor r9d, r9d
                SYS 9
                mov rbx, rax
                lea rdi, [rbx + 4096]
                mov esi, 4096
                SYS 11
                mov dword [rbx + 4092], 0x64636261
                mov edi, 1
                lea rsi, [rbx + 4092]
                mov edx, 100
                SYS 1
                EXIT_RAX
                """);
        ok(r);
        assertEquals("abcd", r.out());
        assertEquals(4, r.status());
    }

    @Test
    void writevGathersBuffers() {
        Tools.Run r = AsmRun.run("""
                lea rax, [rel m1]
                mov [abs DATA], rax
                mov qword [abs DATA + 8], 3
                mov qword [abs DATA + 16], 0
                mov qword [abs DATA + 24], 0
                lea rax, [rel m2]
                mov [abs DATA + 32], rax
                mov qword [abs DATA + 40], 4
                mov edi, 1
                mov esi, DATA
                mov edx, 3
                SYS 20
                EXIT_RAX
                m1: db "abc"
                m2: db "defg"
                """);
        ok(r);
        assertEquals("abcdefg", r.out());
        assertEquals(7, r.status());
        assertEquals(err(EINVAL), call(20, 1, DATA, -1).status());
        assertEquals(err(EINVAL), call(20, 1, DATA, 1025).status());
        assertEquals(err(EFAULT), call(20, 1, 0x20, 2).status());
        assertEquals(err(EBADF), call(20, 3, DATA, 1).status());
    }

    @Test
    void exitStatusIsTheLowByte() {
        assertEquals(0x34, AsmRun.run("mov edi, 0x1234\nSYS 231\n").status());
        assertEquals(0, AsmRun.run("mov edi, 256\nSYS 60\n").status());
        assertEquals(255, AsmRun.run("mov edi, -1\nSYS 60\n").status());
    }

    // ---- memory ----------------------------------------------------------------------

    @Test
    void brkGrowsAndShrinksTheHeap() {
        Tools.Run r = AsmRun.run("""
                    xor edi, edi
                    SYS 12
                    mov rbx, rax
                    mov r12d, 1
                    test eax, 0xfff
                    jnz fail
                    lea rdi, [rbx + 10000]
                    SYS 12
                    mov r12d, 2
                    lea rcx, [rbx + 10000]
                    cmp rax, rcx
                    jne fail
                    mov r12d, 3
                    cmp qword [rbx + 9992], 0
                    jne fail
                    mov qword [rbx + 9992], 77
                    lea rdi, [rbx - 4096]
                    SYS 12
                    mov r12d, 4
                    lea rcx, [rbx + 10000]
                    cmp rax, rcx
                    jne fail
                    mov rdi, rbx
                    SYS 12
                    mov r12d, 5
                    cmp rax, rbx
                    jne fail
                    mov rax, [rbx + 8]
                    mov r12d, 6
                fail:
                    mov edi, r12d
                    SYS 60
                """);
        assertEquals(139, r.status(), r.message());
        assertTrue(r.message().startsWith("SIGSEGV: #PF at rip="), r.message());
        assertTrue(r.message().contains("(user read, page not mapped)"), r.message());
    }

    /** mmap(hint or 0, len, prot, flags, fd, off) → exit status; flags 0x22 = MAP_PRIVATE | MAP_ANONYMOUS. */
    @Test
    void mmapErrors() {
        assertEquals(err(EINVAL), call(9, 0, 0, 3, 0x22, -1, 0).status(), "length 0");
        assertEquals(err(EINVAL), call(9, 0, 4096, 3, 0x22, -1, 1).status(), "unaligned offset");
        assertEquals(err(EINVAL), call(9, 0, 4096, 3, 0x20, -1, 0).status(), "neither shared nor private");
        assertEquals(err(EINVAL), call(9, 0, 4096, 0x10, 0x22, -1, 0).status(), "unknown prot bit");
        assertEquals(err(EBADF), call(9, 0, 4096, 3, 0x02, 5, 0).status(), "file mapping of a closed fd");
        assertEquals(err(ENODEV), call(9, 0, 4096, 3, 0x02, 1, 0).status(), "file mapping of a pipe");
        assertEquals(err(ENOMEM), call(9, 0, 1L << 62, 3, 0x22, -1, 0).status(), "bigger than user space");
        assertEquals(err(ENOMEM), call(9, 0, 1L << 40, 3, 0x22, -1, 0).status(), "bigger than RAM (overcommit check)");
        assertEquals(0, call(9, 0, 1L << 40, 0, 0x22, -1, 0).status() & 0xFFF, "PROT_NONE reservations are fine");
        assertEquals(err(EINVAL), call(9, 0x20000001, 4096, 3, 0x32, -1, 0).status(), "MAP_FIXED unaligned");
        assertEquals(err(EPERM), call(9, 0x1000, 4096, 3, 0x32, -1, 0).status(), "MAP_FIXED below mmap_min_addr");
    }

    @Test
    void mmapHintsFixedAndNoReplace() {
        Tools.Run r = AsmRun.run("""
                %macro MMAP 3
                    mov rdi, %1
                    mov esi, 4096
                    mov edx, 3
                    mov r10d, %2
                    mov r8, -1
                    xor r9d, r9d
                    SYS 9
                    mov r12d, %3
                %endmacro
                    MMAP 0x20000000, 0x22, 1
                    cmp rax, 0x20000000
                    jne fail
                    mov qword [rax], 5
                    MMAP 0x20000000, 0x22, 2
                    cmp rax, 0x20000000
                    je fail
                    test eax, 0xfff
                    jnz fail
                    MMAP 0x20000000, 0x100022, 3
                    cmp rax, -17
                    jne fail
                    mov r12d, 4
                    cmp qword [0x20000000], 5
                    jne fail
                    MMAP 0x20000000, 0x32, 5
                    cmp rax, 0x20000000
                    jne fail
                    mov r12d, 6
                    cmp qword [0x20000000], 0
                    jne fail
                    mov r12d, 0
                fail:
                    mov edi, r12d
                    SYS 60
                """);
        ok(r);
        assertEquals(0, r.status(), "failed at step " + r.status());
    }

    @Test
    void munmapAndMprotect() {
        assertEquals(err(EINVAL), call(11, 0x20000001, 4096).status());
        assertEquals(err(EINVAL), call(11, 0x20000000, 0).status());
        assertEquals(0, call(11, 0x20000000, 4096).status(), "unmapping nothing is fine");
        assertEquals(err(EINVAL), call(10, 0x600001, 4096, 1).status());
        assertEquals(err(ENOMEM), call(10, 0x20000000, 4096, 1).status(), "not mapped");
        assertEquals(0, call(10, 0x20000000, 0, 1).status(), "empty range");
        Tools.Run r = AsmRun.run("""
                mov qword [abs DATA], 1
                mov edi, DATA
                mov esi, 4096
                mov edx, 1
                SYS 10
                mov rbx, [abs DATA]
                mov qword [abs DATA], 2
                """);
        assertEquals(139, r.status());
        assertTrue(r.message().contains("cr2=0x600000 error=0x7 (user write, protection violation)"), r.message());
    }

    /**
     * Macros for step-by-step programs: SC nr, a0..a5 makes a call; EXPECT value, step exits
     * with the step number unless RAX is value; LOADQ addr, value, step checks a quadword.
     * A program that passes every step exits 0.
     */
    static final String STEPS = """
            %macro SC 7
                mov rdi, %2
                mov rsi, %3
                mov rdx, %4
                mov r10, %5
                mov r8, %6
                mov r9, %7
                mov eax, %1
                syscall
            %endmacro
            %macro EXPECT 2
                mov r12d, %2
                mov rcx, %1
                cmp rax, rcx
                jne fail
            %endmacro
            %macro EXPECTQ 3
                mov r12d, %3
                mov rax, %1
                mov rax, [rax]
                mov rcx, %2
                cmp rax, rcx
                jne fail
            %endmacro
            """;

    static Tools.Run steps(String body) {
        return AsmRun.run(STEPS + body + """
                    xor r12d, r12d
                fail:
                    mov edi, r12d
                    SYS 231
                """);
    }

    @Test
    void madviseDropsPages() {
        Tools.Run r = steps("""
                    SC 9, 0x30000000, 8192, 3, 0x22, -1, 0
                    EXPECT 0x30000000, 1
                    mov qword [abs 0x30000000], 5
                    mov qword [abs 0x30001000], 6
                    SC 28, 0x30000000, 4096, 4, 0, 0, 0
                    EXPECT 0, 2
                    EXPECTQ 0x30000000, 0, 3
                    EXPECTQ 0x30001000, 6, 4
                    SC 28, 0x30001000, 1, 8, 0, 0, 0
                    EXPECT 0, 5
                    EXPECTQ 0x30001000, 0, 6
                    SC 28, 0x30000001, 4096, 4, 0, 0, 0
                    EXPECT -22, 7
                    SC 28, 0x30000000, 4096, 5, 0, 0, 0
                    EXPECT -22, 8
                    SC 28, 0x30000000, 16384, 0, 0, 0, 0
                    EXPECT -12, 9
                    SC 28, 0x30000000, 0, 4, 0, 0, 0
                    EXPECT 0, 10
                """);
        ok(r);
        assertEquals(0, r.status(), "failed at step " + r.status());
    }

    @Test
    void mremapGrowsInPlaceMovesAndShrinks() {
        Tools.Run r = steps("""
                    SC 9, 0x30000000, 4096, 3, 0x22, -1, 0
                    mov qword [abs 0x30000000], 11
                    SC 25, 0x30000000, 4096, 8192, 0, 0, 0
                    EXPECT 0x30000000, 1
                    mov qword [abs 0x30001000], 12
                    SC 9, 0x30002000, 4096, 3, 0x32, -1, 0
                    SC 25, 0x30000000, 8192, 16384, 0, 0, 0
                    EXPECT -12, 2
                    SC 25, 0x30000000, 8192, 16384, 1, 0, 0
                    mov rbx, rax
                    mov r12d, 3
                    cmp rbx, 0x30000000
                    je fail
                    EXPECTQ rbx, 11, 4
                    lea r13, [rbx + 4096]
                    EXPECTQ r13, 12, 5
                    lea r13, [rbx + 8192]
                    EXPECTQ r13, 0, 6
                    SC 28, 0x30000000, 4096, 0, 0, 0, 0
                    EXPECT -12, 7
                    SC 25, rbx, 16384, 4096, 0, 0, 0
                    cmp rax, rbx
                    mov r12d, 8
                    jne fail
                    lea r13, [rbx + 4096]
                    SC 28, r13, 4096, 0, 0, 0, 0
                    EXPECT -12, 9
                    SC 25, rbx, 4096, 4096, 3, 0x40000000, 0
                    EXPECT 0x40000000, 10
                    EXPECTQ 0x40000000, 11, 11
                    SC 25, 0x40000000, 4096, 8192, 4, 0, 0
                    EXPECT -22, 12
                    SC 25, 0x40000001, 4096, 8192, 1, 0, 0
                    EXPECT -22, 13
                    SC 25, 0x50000000, 4096, 8192, 1, 0, 0
                    EXPECT -14, 14
                    SC 25, 0x40000000, 4096, 0, 1, 0, 0
                    EXPECT -22, 15
                    SC 25, 0x40000000, 8192, 4096, 1, 0, 0
                    EXPECT -14, 16
                    SC 25, 0x40000000, 4096, 4096, 2, 0x50000000, 0
                    EXPECT -22, 17
                """);
        ok(r);
        assertEquals(0, r.status(), "failed at step " + r.status());
    }

    // ---- process ---------------------------------------------------------------------

    @Test
    void sysinfoReportsTheEmulatedRam() {
        Tools.Run r = steps("""
                    SC 99, DATA, 0, 0, 0, 0, 0
                    EXPECT 0, 1
                    EXPECTQ DATA + 32, 64 << 20, 2
                    mov r12d, 3
                    mov rax, [abs DATA + 40]
                    test rax, rax
                    jz fail
                    mov r12d, 4
                    cmp eax, 64 << 20
                    jae fail
                    mov r12d, 5
                    cmp dword [abs DATA + 104], 1
                    jne fail
                    SC 99, 0x10, 0, 0, 0, 0, 0
                    EXPECT -14, 6
                """);
        ok(r);
        assertEquals(0, r.status(), "failed at step " + r.status());
    }

    @Test
    void prctlGetsAndSetsTheTaskName() {
        java.nio.file.Path bin = AsmRun.write(ElfImage.program(STEPS + """
                    SC 157, 16, DATA, 0, 0, 0, 0
                    EXPECT 0, 1
                    mov edi, 1
                    mov esi, DATA
                    mov edx, 16
                    SYS 1
                    SC 157, 15, name, 0, 0, 0, 0
                    EXPECT 0, 2
                    SC 157, 16, DATA, 0, 0, 0, 0
                    mov edi, 1
                    mov esi, DATA
                    mov edx, 16
                    SYS 1
                    SC 157, 99, 0, 0, 0, 0, 0
                    EXPECT -22, 3
                    xor r12d, r12d
                fail:
                    mov edi, r12d
                    SYS 231
                name: db "a-very-long-task-name", 0
                """).build());
        Tools.Run r = AsmRun.exec(bin);
        ok(r);
        assertEquals(0, r.status(), "failed at step " + r.status());
        String first = (bin.getFileName().toString() + "\0".repeat(16)).substring(0, 16);
        assertEquals(first + "a-very-long-tas\0", r.out());
    }

    @Test
    void identityIsTheRunnersOwn() throws Exception {
        int uid = (Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
        assertEquals(uid & 0xFF, call(102).status(), "getuid");
        assertEquals(uid & 0xFF, call(107).status(), "geteuid");
        int gid = (Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:gid");
        assertEquals(gid & 0xFF, call(104).status(), "getgid");
        assertEquals(gid & 0xFF, call(108).status(), "getegid");
    }

    @Test
    void archPrctlSetsAndGetsFs() {
        Tools.Run r = AsmRun.run("""
                mov edi, 0x1002
                mov esi, DATA
                SYS 158
                mov qword [abs DATA], 99
                mov rbx, [fs:abs 0]
                mov edi, 0x1003
                mov esi, DATA + 8
                SYS 158
                cmp qword [abs DATA + 8], DATA
                jne bad
                mov rax, rbx
                EXIT_RAX
                bad: mov edi, 1
                SYS 60
                """);
        ok(r);
        assertEquals(99, r.status());
        assertEquals(err(EINVAL), call(158, 0x3001, DATA).status(), "ARCH_CET_STATUS and other codes");
        assertEquals(err(EPERM), call(158, 0x1002, 0xffff_8000_0000_0000L).status());
        assertEquals(err(EFAULT), call(158, 0x1003, 0x10).status());
    }

    @Test
    void threadAndRseqCalls() {
        assertEquals(100, call(218, DATA).status(), "set_tid_address returns the TID");
        assertEquals(0, call(273, DATA, 24).status());
        assertEquals(err(EINVAL), call(273, DATA, 10).status());
        assertEquals(err(ENOSYS), call(334, DATA, 32, 0, 0x53053053).status());
    }

    @Test
    void prlimit64() {
        Tools.Run r = AsmRun.run("""
                xor edi, edi
                mov esi, 3
                xor edx, edx
                mov r10d, DATA
                SYS 302
                movzx eax, byte [abs DATA + 2]
                EXIT_RAX
                """);
        ok(r);
        assertEquals(0x80, r.status(), "RLIMIT_STACK is 8 MiB (0x800000)");
        assertEquals(err(EINVAL), call(302, 0, 99, 0, DATA).status());
        assertEquals(err(ESRCH), call(302, 5, 3, 0, DATA).status());
        assertEquals(err(EFAULT), call(302, 0, 3, 0, 0x10).status());
        Tools.Run set = AsmRun.run("""
                mov qword [abs DATA], 10
                mov qword [abs DATA + 8], 20
                xor edi, edi
                mov esi, 7
                mov edx, DATA
                xor r10d, r10d
                SYS 302
                xor edi, edi
                mov esi, 7
                xor edx, edx
                mov r10d, DATA + 16
                SYS 302
                mov rax, [abs DATA + 16]
                add rax, [abs DATA + 24]
                EXIT_RAX
                """);
        assertEquals(30, set.status(), "RLIMIT_NOFILE set to {10, 20} then read back");
    }

    @Test
    void readlinkProcSelfExe() {
        String prog = """
                lea rdi, [rel path]
                mov esi, DATA
                mov edx, SIZE
                SYS 89
                test rax, rax
                js out
                mov rdx, rax
                mov edi, 1
                mov esi, DATA
                SYS 1
                xor eax, eax
                out: EXIT_RAX
                path: db "/proc/self/exe", 0
                """;
        java.nio.file.Path bin = AsmRun.write(ElfImage.program(prog.replace("SIZE", "4096")).build());
        Tools.Run r = AsmRun.exec(bin);
        ok(r);
        try {
            assertEquals(bin.toRealPath().toString(), r.out());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertEquals(3, AsmRun.run(prog.replace("SIZE", "3")).out().length(), "truncated to bufsiz");
        assertEquals(err(EINVAL), AsmRun.run(prog.replace("SIZE", "0")).status());
        assertEquals(err(ENOENT), AsmRun.run(prog.replace("/proc/self/exe", "/etc/passwd").replace("SIZE", "99")).status());
        assertEquals(err(EFAULT), call(89, 0x10, DATA, 10).status());
    }

    @Test
    void getrandom() {
        assertEquals(32, call(318, DATA, 32, 0).status());
        assertEquals(16, call(318, DATA, 16, 1).status());
        assertEquals(err(EINVAL), call(318, DATA, 16, 8).status());
        assertEquals(err(EFAULT), call(318, 0x10, 16, 0).status());
    }

    // ---- files -----------------------------------------------------------------------

    @Test
    void fstatOfTheStandardStreams() {
        Tools.Run r = AsmRun.run("""
                mov edi, 1
                mov esi, DATA
                SYS 5
                movzx eax, byte [abs DATA + 25]
                EXIT_RAX
                """);
        ok(r);
        assertEquals(0x11, r.status(), "st_mode S_IFIFO | 0600 (0x1180)");
        assertEquals(err(EBADF), call(5, 9, DATA).status());
        assertEquals(err(EFAULT), call(5, 1, 0x10).status());
        Tools.Run at = AsmRun.run("""
                mov edi, 2
                lea rsi, [rel empty]
                mov edx, DATA
                mov r10d, 0x1000
                SYS 262
                test rax, rax
                jnz out
                movzx eax, byte [abs DATA + 57]
                out: EXIT_RAX
                empty: db 0
                path: db "/etc/passwd", 0
                """);
        assertEquals(16, at.status(), "newfstatat(fd, \"\", AT_EMPTY_PATH): st_blksize 4096");
        assertEquals(err(ENOENT), AsmRun.run("""
                mov edi, -100
                lea rsi, [rel path]
                mov edx, DATA
                xor r10d, r10d
                SYS 262
                EXIT_RAX
                path: db "/etc/passwd", 0
                """).status());
        assertEquals(err(EINVAL), call(262, 1, DATA, DATA + 256, 0x8000).status());
    }

    @Test
    void fcntlOnTheStandardStreams() {
        assertEquals(0, call(72, 0, 3).status(), "F_GETFL of stdin: O_RDONLY");
        assertEquals(1, call(72, 1, 3).status(), "F_GETFL of stdout: O_WRONLY");
        assertEquals(0, call(72, 2, 1).status(), "F_GETFD: no FD_CLOEXEC");
        assertEquals(0, call(72, 1, 4, 0x800).status(), "F_SETFL");
        assertEquals(err(EINVAL), call(72, 1, 0, 10).status(), "F_DUPFD is not provided");
        assertEquals(err(EBADF), call(72, 3, 3).status());
    }

    @Test
    void ioctlSaysNotATerminal() {
        assertEquals(err(ENOTTY), call(16, 1, 0x5401, DATA).status());
        assertEquals(err(ENOTTY), call(16, 0, 0x5413, DATA).status());
        assertEquals(err(EBADF), call(16, 5, 0x5401, DATA).status());
    }

    @Test
    void uname() {
        Tools.Run r = AsmRun.run("""
                mov edi, DATA
                SYS 63
                mov edi, 1
                mov esi, DATA
                mov edx, 5
                SYS 1
                mov edi, 1
                mov esi, DATA + 4 * 65
                mov edx, 6
                SYS 1
                xor eax, eax
                EXIT_RAX
                """);
        ok(r);
        assertEquals("Linuxx86_64", r.out());
        assertEquals(err(EFAULT), call(63, 0x10).status());
    }

    @Test
    void clockGettime() {
        Tools.Run r = AsmRun.run("""
                xor edi, edi
                mov esi, DATA
                SYS 228
                mov rax, [abs DATA]
                cmp rax, 1600000000
                setg al
                movzx eax, al
                EXIT_RAX
                """);
        ok(r);
        assertEquals(1, r.status(), "CLOCK_REALTIME is after 2020");
        assertEquals(0, call(228, 1, DATA).status());
        assertEquals(0, call(228, 2, DATA).status());
        assertEquals(err(EINVAL), call(228, 99, DATA).status());
        assertEquals(err(EFAULT), call(228, 1, 0x10).status());
    }

    @Test
    void timeGettimeofdayAndClockGetres() {
        Tools.Run r = steps("""
                    SC 201, DATA, 0, 0, 0, 0, 0
                    mov r12d, 1
                    cmp rax, 1600000000
                    jl fail
                    mov r12d, 2
                    cmp rax, [abs DATA]
                    jne fail
                    SC 96, DATA, DATA + 16, 0, 0, 0, 0
                    EXPECT 0, 3
                    mov r12d, 4
                    cmp qword [abs DATA + 8], 1000000
                    jae fail
                    SC 229, 1, DATA, 0, 0, 0, 0
                    EXPECT 0, 5
                    EXPECTQ DATA + 8, 1, 6
                    SC 229, 77, DATA, 0, 0, 0, 0
                    EXPECT -22, 7
                    SC 201, 0, 0, 0, 0, 0, 0
                    mov r12d, 8
                    cmp rax, 1600000000
                    jl fail
                """);
        ok(r);
        assertEquals(0, r.status(), "failed at step " + r.status());
    }

    @Test
    void sleeps() {
        long t0 = System.nanoTime();
        Tools.Run r = steps("""
                    mov qword [abs DATA], 0
                    mov qword [abs DATA + 8], 50000000
                    SC 35, DATA, 0, 0, 0, 0, 0
                    EXPECT 0, 1
                    SC 230, 1, 0, DATA, 0, 0, 0
                    EXPECT 0, 2
                    mov qword [abs DATA + 8], 1000000000
                    SC 35, DATA, 0, 0, 0, 0, 0
                    EXPECT -22, 3
                    mov qword [abs DATA + 8], 0
                    SC 230, 1, 1, DATA, 0, 0, 0
                    EXPECT 0, 4
                    SC 230, 2, 0, DATA, 0, 0, 0
                    EXPECT -22, 5
                    SC 35, 0x10, 0, 0, 0, 0, 0
                    EXPECT -14, 6
                """);
        ok(r);
        assertEquals(0, r.status(), "failed at step " + r.status());
        assertTrue(System.nanoTime() - t0 >= 100_000_000L, "slept 2 x 50 ms");
    }

    @Test
    void processIds() {
        assertEquals(100, call(39).status(), "getpid");
        assertEquals(100, call(186).status(), "gettid");
        assertEquals(1, call(110).status(), "getppid");
    }

    // ---- what ends a process ---------------------------------------------------------

    @Test
    void anUnsupportedCallStopsTheRunByName() {
        Tools.Run r = call(0, 0, DATA, 1);
        assertEquals(128 + 31, r.status());
        assertTrue(r.message().startsWith("unsupported system call 0 (read) at rip=0x40"), r.message());
        assertTrue(call(13, 2, 0, 0).message().contains("(rt_sigaction)"));
        assertTrue(call(435).message().contains("435 (clone3)"));
        assertTrue(call(1000).message().contains("1000 (unknown)"));
        assertTrue(call(-1).message().contains("4294967295 (unknown)"), "mov eax, -1 zero-extends");
    }

    @Test
    void exceptionsBecomeSignals() {
        Tools.Run ud = AsmRun.run("nop\nud2\n");
        assertEquals(132, ud.status());
        assertEquals("SIGILL: #UD at rip=0x401001 bytes=0f 0b", ud.message().substring(0, 39));
        Tools.Run bp = AsmRun.run("int3\n");
        assertEquals(133, bp.status());
        assertTrue(bp.message().startsWith("SIGTRAP: #BP at rip=0x401001"), bp.message());
        Tools.Run de = AsmRun.run("xor ecx, ecx\ndiv ecx\n");
        assertEquals(136, de.status());
        assertTrue(de.message().startsWith("SIGFPE: #DE at rip=0x401002 bytes=f7 f1"), de.message());
        Tools.Run nul = AsmRun.run("mov rax, [abs 0]\n");
        assertEquals(139, nul.status());
        assertTrue(nul.message().startsWith("SIGSEGV: #PF at rip=0x401000 cr2=0x0 error=0x4 (user read, page not mapped)"),
                nul.message());
        Tools.Run code = AsmRun.run("mov byte [rel $], 0\n");
        assertTrue(code.message().contains("error=0x7 (user write, protection violation)"), code.message());
        Tools.Run nx = AsmRun.run("mov eax, DATA\nmov byte [rax], 0xc3\njmp rax\n");
        assertEquals(139, nx.status());
        assertTrue(nx.message().contains("cr2=0x600000 error=0x15 (user fetch, protection violation)"), nx.message());
        Tools.Run gp = AsmRun.run("mov rax, 0x8000000000000000\nmov rax, [rax]\n");
        assertEquals(139, gp.status());
        assertTrue(gp.message().startsWith("SIGSEGV: #GP(0x0) at rip=0x40100a bytes=48 8b 00"), gp.message());
    }

    @Test
    void theStackIsDemandPagedUpTo8MiB() {
        Tools.Run r = AsmRun.run("""
                sub rsp, 0x7f0000
                mov qword [rsp], 1
                push 2
                add rsp, 0x7f0008
                xor eax, eax
                EXIT_RAX
                """);
        ok(r);
        assertEquals(0, r.status());
        Tools.Run over = AsmRun.run("sub rsp, 0x810000\nmov qword [rsp], 1\n");
        assertEquals(139, over.status());
    }

    @Test
    void theInstructionLimitStopsARunawayLoop() {
        Tools.Run r = AsmRun.run("jmp $\n");
        assertEquals(124, r.status());
        assertTrue(r.message().startsWith("instruction limit of 10000000 reached at rip=0x401000"), r.message());
    }
}
