package platform.cpu.diff;

import static platform.cpu.diff.Differential.ALL;

import org.junit.jupiter.api.Test;

/**
 * The rest: XLAT, hint NOPs gcc and glibc emit (ENDBR64, multi-byte NOPs, BND and REP on
 * branches), prefix rules (ignored REX, segment prefixes, the 15-byte limit), opcodes that
 * are invalid in 64-bit mode (#UD), and privileged or I/O instructions at CPL 3 (#GP).
 */
class DiffMiscTest {
    private final Gen g = new Gen(0x315C);

    private void add(Differential.Batch b, String asm, int n) {
        for (int k = 0; k < n; k++) {
            b.add(asm, g.state(), ALL).name(asm);
        }
    }

    @Test
    void miscellaneous() {
        Differential.Batch b = Differential.batch();
        for (String asm : new String[] {
            "lea rbx, [DATA + 0x100]\nxlatb", "lea rbx, [DATA + 0x1f80]\nmov al, 0xff\nxlatb",
            "mov rbx, 0xffffffff10000000\na32 xlatb", "mov ebx, 0x80\nfs xlatb",
            "endbr64", "db 0xf3, 0x0f, 0x1e, 0xfa", "db 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0",
            "db 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0", "nop word [rax + rax]",
            "call f\njmp e\nf: rep ret\ne:", "bnd jmp e\nud2\ne:", "bnd call f\njmp e\nf: bnd ret\ne:",
            "db 0x48, 0x66, 0x89, 0xd8 ; REX before a legacy prefix is ignored: mov ax, bx",
            "db 0x66, 0x48, 0x89, 0xd8 ; mov rax, rbx (REX.W wins over 66)",
            "db 0x40, 0x88, 0xe0 ; mov al, spl (REX with no bits)", "db 0x88, 0xe0 ; mov al, ah",
            "db 0x26, 0x2e, 0x36, 0x3e, 0x8b, 0x03 ; mov eax, [rbx] with ignored segments",
            "db 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90 ; 15 bytes",
            "db 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90 ; 16 bytes: #GP",
            "db 0xf3, 0x66, 0x2e, 0x67, 0x48, 0x8d, 0x84, 0x80, 0x11, 0x22, 0x33, 0x44 ; lea with every prefix",
            "hlt", "cli", "sti", "in al, 0x80", "out 0x80, al", "in eax, dx", "out dx, ax", "insb", "outsd", "rep insb",
            "ud2", "db 0x0f, 0xff", "db 0x0f, 0xb9, 0xc0", "db 0xd6", "db 0xce ; into", "db 0x27 ; daa", "db 0x37 ; aaa",
            "db 0x60 ; pusha", "db 0x61 ; popa", "db 0x62, 0x00", "db 0xd4, 0x0a ; aam", "db 0xd5, 0x0a ; aad",
            "db 0x06 ; push es", "db 0x1f ; pop ds", "db 0x9a, 0, 0, 0, 0, 0, 0 ; call far", "db 0xea, 0, 0, 0, 0, 0, 0",
            "db 0x0f, 0x0b ; ud2",
            "mov rax, 0x0f0f0f0f0f0f0f0f\nbswap rax\nxlatb",
        }) {
            add(b, asm, 3);
        }
        // XLAT with random table contents and indexes, all 256 AL values over the runs
        for (int k = 0; k < 64; k++) {
            MachineState s = g.state();
            s.gpr[3] = MachineState.DATA + 0x200;
            b.add("xlatb", s, ALL);
        }
        b.run();
    }
}
