package platform.cpu.diff;

import java.util.Random;

/** nasm register names by encoding and operand size, for generating snippets. */
public final class Regs {
    private Regs() {}

    private static final String[] R64 = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi",
        "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
        "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
    private static final String[] R8 = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil",
        "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
    /** AH, CH, DH, BH: byte registers 16..19 (encodings 4..7 without REX). */
    private static final String[] HIGH8 = {"ah", "ch", "dh", "bh"};

    /** The name of register {@code r} (0..15) at {@code size} bytes; for size 1, 16..19 are AH..BH. */
    public static String name(int r, int size) {
        return switch (size) {
            case 8 -> R64[r];
            case 4 -> R32[r];
            case 2 -> R16[r];
            default -> r >= 16 ? HIGH8[r - 16] : R8[r];
        };
    }

    /** The nasm size keyword of an operand size ("byte", "word", "dword", "qword"). */
    public static String ptr(int size) {
        return switch (size) {
            case 8 -> "qword";
            case 4 -> "dword";
            case 2 -> "word";
            default -> "byte";
        };
    }

    /**
     * Two different registers usable together at {@code size}: for bytes, a pair with no
     * REX-only register and a high-byte register mixed (nasm would reject it).
     */
    public static int[] pair(Random rnd, int size) {
        for (;;) {
            int a = pick(rnd, size), b = pick(rnd, size);
            if (a == b) {
                continue;
            }
            if (size == 1 && (a >= 16 || b >= 16) && (needsRex(a) || needsRex(b))) {
                continue;
            }
            return new int[] {a, b};
        }
    }

    /** A register for {@code size}: 0..15, or for bytes also 16..19 (AH..BH). */
    public static int pick(Random rnd, int size) {
        return size == 1 ? rnd.nextInt(20) : rnd.nextInt(16);
    }

    /** True for byte registers that need a REX prefix (SPL..DIL, R8B..R15B). */
    static boolean needsRex(int r) {
        return r >= 4 && r < 16;
    }

    /** The 64-bit register that holds byte register {@code r8} (AH..BH are in RAX..RBX). */
    public static int full(int r8) {
        return r8 >= 16 ? r8 - 16 : r8;
    }
}
