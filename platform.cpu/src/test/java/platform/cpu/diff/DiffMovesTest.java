package platform.cpu.diff;

import static platform.cpu.diff.Differential.ALL;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Data movement: MOV in every form (register, memory, immediates, moffs, segment registers),
 * MOVZX/MOVSX/MOVSXD, CMOVcc/SETcc for all conditions, XCHG, BSWAP, CBW..CQO, and LEA with
 * every addressing form (SIB with and without base or index, scales, RIP-relative, the
 * R12/R13/RSP/RBP special encodings, 8- and 32-bit displacements, the 67 prefix, 16/32-bit
 * destinations) — which also exercises the decoder's ModRM/SIB paths used by all memory
 * operands.
 */
class DiffMovesTest {
    static final int[] SIZES = {1, 2, 4, 8};
    private final Gen g = new Gen(0x30_0001);
    private final Random rnd = g.rnd;

    private void add(Differential.Batch b, String asm, int n, long flags) {
        for (int k = 0; k < n; k++) {
            MachineState s = g.state();
            b.add(asm, s, flags).name(asm);
        }
    }

    /** Random states with a base register pointing into DATA. */
    private void addMem(Differential.Batch b, String asm, int base, int n) {
        for (int k = 0; k < n; k++) {
            MachineState s = g.state();
            s.gpr[base] = MachineState.DATA + Operands.offset(rnd, 8);
            b.add(asm, s, ALL).name(asm);
        }
    }

    @Test
    void movForms() {
        Differential.Batch b = Differential.batch();
        for (int size : SIZES) {
            for (int k = 0; k < 4; k++) {
                int[] p = Regs.pair(rnd, size);
                String a = Regs.name(p[0], size), c = Regs.name(p[1], size);
                add(b, "mov " + a + ", " + c, 4, ALL);
                add(b, Enc.rr(size, p[0], p[1], 0, 0, size == 1 ? 0x8A : 0x8B) + " ; mov r, r/m (RM)", 4, ALL);
                int base = Operands.base(rnd, p[0] >= 16, p[0]);
                String mem = Regs.ptr(size) + " [" + Regs.name(base, 8) + "]";
                addMem(b, "mov " + mem + ", " + a, base, 4);
                addMem(b, "mov " + a + ", " + mem, base, 4);
                long imm = g.value(size == 8 ? 4 : size);
                addMem(b, "mov " + mem + ", " + (size == 8 ? (int) imm : imm), base, 4);
                add(b, "mov " + a + ", " + g.value(size), 4, ALL);
                add(b, Enc.rr(size, 0, p[0], imm, size == 8 ? 4 : size, size == 1 ? 0xC6 : 0xC7) + " ; mov r/m, imm", 4, ALL);
            }
        }
        // moffs forms with 64-bit addresses, and with the 67 prefix (32-bit address)
        for (String asm : new String[] {"mov al, [qword DATA + 0x10]", "mov ax, [qword DATA + 0xfff]",
            "mov eax, [qword DATA + 0x20]", "mov rax, [qword DATA + 0x28]", "mov [qword DATA + 0x31], al",
            "mov [qword DATA + 0x32], ax", "mov [qword DATA + 0x34], eax", "mov [qword DATA + 0xffc], rax",
            "a32 mov eax, [dword DATA + 0x40]", "a32 mov [dword DATA + 0x40], rax", "mov rax, [qword RODATA + 3]"}) {
            add(b, asm, 6, ALL);
        }
        // segment registers read as the Linux user selectors; loading a null DS/ES/SS-compatible value is fine
        for (String asm : new String[] {"mov ax, cs", "mov eax, ss", "mov rax, ds", "mov ax, es", "mov ax, fs",
            "mov ax, gs", "mov [DATA + 0x10], cs", "mov ax, ds\nmov es, ax"}) {
            add(b, asm, 2, ALL);
        }
        b.run();
    }

    @Test
    void extensions() {
        Differential.Batch b = Differential.batch();
        for (int dst : new int[] {2, 4, 8}) {
            for (int src : new int[] {1, 2}) {
                if (src >= dst) {
                    continue;
                }
                for (int k = 0; k < 4; k++) {
                    int[] p = Regs.pair(rnd, src);
                    if (p[0] >= 16) {
                        p[0] -= 16;
                    }
                    if (dst > 1 && p[1] >= 16 && Regs.needsRex(p[0])) {
                        p[1] -= 16;
                    }
                    String d = Regs.name(p[0], dst), s = Regs.name(p[1], src);
                    add(b, "movzx " + d + ", " + s, 4, ALL);
                    add(b, "movsx " + d + ", " + s, 4, ALL);
                    int base = Operands.base(rnd, p[1] >= 16, p[0], p[1]);
                    addMem(b, "movzx " + d + ", " + Regs.ptr(src) + " [" + Regs.name(base, 8) + "]", base, 4);
                    addMem(b, "movsx " + d + ", " + Regs.ptr(src) + " [" + Regs.name(base, 8) + "]", base, 4);
                }
            }
        }
        for (int k = 0; k < 6; k++) {
            int[] p = Regs.pair(rnd, 8);
            add(b, "movsxd " + Regs.name(p[0], 8) + ", " + Regs.name(p[1], 4), 6, ALL);
            // 63 without REX.W: a plain 32-bit move (zero-extends); with 66: 16-bit
            add(b, Enc.rr(4, p[0], p[1], 0, 0, 0x63) + " ; movsxd r32, r32", 6, ALL);
            add(b, Enc.rr(2, p[0], p[1], 0, 0, 0x63) + " ; movsxd r16, r16", 6, ALL);
        }
        addMem(b, "movsxd rax, dword [rbx]", 3, 10);
        for (String asm : new String[] {"cbw", "cwde", "cdqe", "cwd", "cdq", "cqo"}) {
            for (int k = 0; k < 30; k++) {
                MachineState s = g.state();
                s.gpr[0] = g.bits(1 << rnd.nextInt(4));
                b.add(asm, s, ALL);
            }
        }
        b.run();
    }

    @Test
    void conditionalMovesAndSets() {
        Differential.Batch b = Differential.batch();
        String[] cc = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};
        for (String c : cc) {
            List<String> forms = new ArrayList<>();
            for (int size : new int[] {2, 4, 8}) {
                int[] p = Regs.pair(rnd, size);
                forms.add("cmov" + c + " " + Regs.name(p[0], size) + ", " + Regs.name(p[1], size));
                forms.add("cmov" + c + " " + Regs.name(p[0], size) + ", " + Regs.ptr(size) + " [DATA + 0xffe]");
            }
            // a memory source is read (and faults) whatever the condition
            forms.add("cmov" + c + " eax, [DATA + 0x1ffe]");
            int r = Regs.pick(rnd, 1);
            forms.add("set" + c + " " + Regs.name(r, 1));
            forms.add("set" + c + " byte [DATA + 0x33]");
            // after a compare, to cover the SUB fast path of condition evaluation
            for (int size : SIZES) {
                forms.add("cmp " + Regs.name(1, size) + ", " + Regs.name(2, size) + "\nset" + c + " al\ncmov" + c + " ebx, esi");
                forms.add("sub " + Regs.name(1, size) + ", " + Regs.name(2, size) + "\nset" + c + " al");
                forms.add("add " + Regs.name(1, size) + ", " + Regs.name(2, size) + "\nset" + c + " al");
                forms.add("and " + Regs.name(1, size) + ", " + Regs.name(2, size) + "\nset" + c + " al");
                forms.add("inc " + Regs.name(1, size) + "\nset" + c + " al");
            }
            for (String asm : forms) {
                for (int k = 0; k < 24; k++) {
                    MachineState s = g.state();
                    if (rnd.nextBoolean()) { // equal and near-equal operands for the compares
                        s.gpr[2] = rnd.nextBoolean() ? s.gpr[1] : s.gpr[1] + rnd.nextInt(3) - 1;
                    }
                    b.add(asm, s, ALL).name(asm);
                }
            }
        }
        b.run();
    }

    @Test
    void exchangeAndByteSwap() {
        Differential.Batch b = Differential.batch();
        for (int size : SIZES) {
            for (int k = 0; k < 3; k++) {
                int[] p = Regs.pair(rnd, size);
                add(b, "xchg " + Regs.name(p[0], size) + ", " + Regs.name(p[1], size), 4, ALL);
                int base = Operands.base(rnd, p[0] >= 16, p[0]);
                addMem(b, "xchg " + Regs.ptr(size) + " [" + Regs.name(base, 8) + "], " + Regs.name(p[0], size), base, 4);
                addMem(b, "lock xchg " + Regs.ptr(size) + " [" + Regs.name(base, 8) + "], " + Regs.name(p[0], size), base, 2);
            }
        }
        for (int r = 0; r < 16; r++) {
            // 90+r: XCHG with the accumulator (90 alone is NOP, 41 90 is XCHG EAX, R8D)
            add(b, Enc.plain(4, 0, 0, 0x90 + (r & 7)).replace("db ", r >= 8 ? "db 0x41," : "db ") + " ; xchg eax, r" + r, 2, ALL);
            add(b, Enc.plain(8, 0, 0, 0x90 + (r & 7)).replace("db 0x48", r >= 8 ? "db 0x49" : "db 0x48") + " ; xchg rax, r" + r, 2, ALL);
            add(b, "bswap " + Regs.name(r, 4), 2, ALL);
            add(b, "bswap " + Regs.name(r, 8), 2, ALL);
        }
        add(b, "db 0x87, 0xc0 ; xchg eax, eax (not a NOP: zero-extends)", 3, ALL);
        add(b, "db 0x66, 0x90 ; xchg ax, ax", 3, ALL);
        add(b, "pause", 3, ALL);
        add(b, "nop\nnop dword [rax]\nnop word [rax + rax*4 + 0x100]", 3, ALL);
        add(b, "db 0x0f, 0x1f, 0x44, 0x00, 0x00", 3, ALL);
        add(b, "prefetcht0 [rax]\nprefetchnta [rsp]", 3, ALL);
        b.run();
    }

    /** The address expression with its 64-bit register names replaced by the 32-bit ones. */
    private static String to32(String a) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b(r[a-z0-9]+)\\b").matcher(a);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String r = m.group(1);
            for (int k = 0; k < 16; k++) {
                if (Regs.name(k, 8).equals(r)) {
                    r = Regs.name(k, 4);
                }
            }
            m.appendReplacement(sb, r);
        }
        m.appendTail(sb);
        return sb.toString();
    }

    @Test
    void leaAddressingForms() {
        Differential.Batch b = Differential.batch();
        List<String> addrs = new ArrayList<>();
        for (int k = 0; k < 60; k++) {
            int base = rnd.nextInt(17) - 1; // -1: no base
            int index = rnd.nextInt(17) - 1;
            if (index == 4) {
                index = -1; // RSP cannot be an index
            }
            int scale = 1 << rnd.nextInt(4);
            long disp = switch (rnd.nextInt(4)) {
                case 0 -> 0;
                case 1 -> rnd.nextInt(256) - 128;
                default -> rnd.nextInt();
            };
            StringBuilder a = new StringBuilder();
            if (base >= 0) {
                a.append(Regs.name(base, 8));
            }
            if (index >= 0) {
                a.append(a.isEmpty() ? "" : " + ").append(Regs.name(index, 8)).append('*').append(scale);
            }
            if (disp != 0 || a.isEmpty()) {
                a.append(a.isEmpty() ? "" : disp < 0 ? " - " : " + ").append(a.isEmpty() ? disp : Math.abs(disp));
            }
            addrs.add(a.toString());
        }
        // special encodings: RSP/R12 as base need a SIB, RBP/R13 with no displacement need disp8 0
        addrs.addAll(List.of("rsp", "r12", "rbp", "r13", "rsp + 8", "r12 + r13*2", "r13 + r12*8", "rbp + rbp",
                "rsp + rbp*1", "rel $", "rel $ + 0x1234", "rel DATA", "rax*8", "rax*2 + 5"));
        for (String a : addrs) {
            for (int size : new int[] {2, 4, 8}) {
                int d = rnd.nextInt(16);
                add(b, "lea " + Regs.name(d, size) + ", [" + a + "]", 3, ALL);
                if (!a.startsWith("rel")) {
                    add(b, "a32 lea " + Regs.name(d, size) + ", [" + to32(a) + "]", 2, ALL);
                }
            }
        }
        // a memory access through each form, so loads use the same effective addresses
        for (String a : addrs.subList(0, 20)) {
            String asm = "lea rbx, [" + a + "]\nand rbx, 0xff8\nmov rax, [DATA + rbx]\nmov [rbx + DATA + 8], rax";
            add(b, asm.replace("[DATA + rbx]", "[rbx + DATA]"), 2, ALL);
        }
        // FS/GS overrides with a zero base, and segment prefixes that 64-bit mode ignores
        for (int k = 0; k < 6; k++) {
            MachineState s = g.state();
            s.fsBase = k < 2 ? 0 : 0x100 + rnd.nextInt(0x100);
            s.gsBase = k == 5 ? 0x7000_0000_0000L : 0x200 + rnd.nextInt(0x100);
            String asm = "mov rax, [fs:DATA + 0x10]\nmov rbx, [gs:DATA + 0x200]\nmov rcx, [cs:DATA]\nmov rdx, [ss:DATA + 8]"
                    + "\nlea rsi, [fs:rbx + 4]\nmov [fs:DATA + 0x100], rsi";
            b.add(asm, s, ALL);
        }
        b.run();
    }
}
