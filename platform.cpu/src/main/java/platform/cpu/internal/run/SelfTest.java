package platform.cpu.internal.run;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/**
 * {@code cpu-run --self-test}: a built-in static executable that grows the heap with brk,
 * maps, fills and unmaps 1 MiB, runs a loop of calls, multiplies and divides, prints
 * "cpu-run: self-test ok" and exits 0. It checks an installation without a compiler, and the
 * launcher uses it as the training run for the JVM's ahead-of-time cache.
 *
 * <p>The code is this NASM source (org 0x401000), assembled:
 * <pre>
 *    ; brk: grow the heap by 64 KiB and touch every page
 *    xor edi, edi
 *    mov eax, 12
 *    syscall
 *    mov rbx, rax
 *    lea rdi, [rax + 0x10000]
 *    mov eax, 12
 *    syscall
 *    mov rcx, rbx
 * touch:
 *    mov [rcx], rcx
 *    add rcx, 4096
 *    cmp rcx, rax
 *    jb touch
 *    ; mmap 1 MiB, fill some of it, munmap
 *    xor edi, edi
 *    mov esi, 0x100000
 *    mov edx, 3
 *    mov r10d, 0x22
 *    mov r8, -1
 *    xor r9d, r9d
 *    mov eax, 9
 *    syscall
 *    mov r12, rax
 *    mov rcx, rax
 *    lea r13, [rax + 0x100000]
 * fill:
 *    mov qword [rcx], 1
 *    add rcx, 512
 *    cmp rcx, r13
 *    jb fill
 *    mov rdi, r12
 *    mov esi, 0x100000
 *    mov eax, 11
 *    syscall
 *    ; a compute loop with calls, multiplies and divides
 *    xor r14d, r14d
 *    mov r15d, 200000
 * loop:
 *    mov edi, r15d
 *    call step
 *    add r14, rax
 *    dec r15d
 *    jnz loop
 *    ; report
 *    mov edi, 1
 *    lea rsi, [msg]
 *    mov edx, msg_len
 *    mov eax, 1
 *    syscall
 *    xor edi, edi
 *    mov eax, 231
 *    syscall
 * step:
 *    push rbx
 *    mov eax, edi
 *    imul eax, eax, 7
 *    xor edx, edx
 *    mov ebx, 13
 *    div ebx
 *    lea rax, [rdx + rax * 2]
 *    movzx ecx, al
 *    test ecx, 1
 *    cmovnz eax, ecx
 *    pop rbx
 *    ret
 * msg: db "cpu-run: self-test ok", 10
 * msg_len equ $ - msg
 * </pre>
 */
final class SelfTest {
    static final String OUTPUT = "cpu-run: self-test ok\n";

    private static final String CODE = (
            "31ffb80c0000000f054889c3488db800000100b80c0000000f054889d94889094881c1001000004839c172f131ffbe00" +
            "001000ba0300000041ba2200000049c7c0ffffffff4531c9b8090000000f054989c44889c14c8da80000100048c70101" +
            "0000004881c1000200004c39e972ed4c89e7be00001000b80b0000000f054531f641bf400d03004489ffe82900000049" +
            "01c641ffcf75f0bf01000000488d3536000000ba16000000b8010000000f0531ffb8e70000000f055389f86bc00731d2" +
            "bb0d000000f7f3488d04420fb6c8f7c1010000000f45c15bc36370752d72756e3a2073656c662d74657374206f6b0a");

    private SelfTest() {}

    /** The executable: one R+X segment at 0x400000 with the ELF header, the code at 0x401000. */
    static byte[] image() {
        byte[] code = HexFormat.of().parseHex(CODE);
        ByteBuffer b = ByteBuffer.allocate(0x1000 + code.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) Elf.ET_EXEC).putShort(18, (short) Elf.EM_X86_64).putInt(20, 1);
        b.putLong(24, 0x401000).putLong(32, Elf.EHDR_SIZE);
        b.putShort(52, (short) Elf.EHDR_SIZE).putShort(54, (short) Elf.PHDR_SIZE).putShort(56, (short) 1);
        b.putInt(64, Elf.PT_LOAD).putInt(68, Elf.PF_R | Elf.PF_X).putLong(72, 0).putLong(80, 0x400000)
                .putLong(88, 0x400000).putLong(96, b.capacity()).putLong(104, b.capacity()).putLong(112, 0x1000);
        b.put(0x1000, code);
        return b.array();
    }
}
