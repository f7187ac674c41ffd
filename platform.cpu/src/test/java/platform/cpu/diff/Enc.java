package platform.cpu.diff;

/**
 * Hand encoding of register-form instructions as nasm {@code db} lines, for encodings nasm
 * never picks by itself (the "reg, r/m" direction of a reg-reg ALU op, the accumulator
 * forms with a small immediate, 81 with a byte-sized value).
 */
public final class Enc {
    private Enc() {}

    /**
     * {@code [66] [REX] opcode... ModRM(mod=3, reg, rm) imm} with operand size {@code size}.
     * {@code reg} and {@code rm} are register numbers (for size 1, 16..19 are AH..BH);
     * {@code reg} may be an opcode extension 0..7. {@code imm} has {@code immBytes} bytes.
     */
    public static String rr(int size, int reg, int rm, long imm, int immBytes, int... opcode) {
        StringBuilder b = new StringBuilder("db ");
        prefixes(b, size, reg, rm);
        for (int o : opcode) {
            b.append(hex(o)).append(',');
        }
        b.append(hex(0xC0 | low3(reg) << 3 | low3(rm)));
        imm(b, imm, immBytes);
        return b.toString();
    }

    /** An instruction without ModRM: {@code [66] [REX.W] opcode imm} (accumulator forms). */
    public static String plain(int size, long imm, int immBytes, int... opcode) {
        StringBuilder b = new StringBuilder("db ");
        prefixes(b, size, 0, 0);
        for (int k = 0; k < opcode.length; k++) {
            b.append(k == 0 ? "" : ",").append(hex(opcode[k]));
        }
        imm(b, imm, immBytes);
        return b.toString();
    }

    /** The three ModRM bits of a register: AH..BH (16..19) are 4..7. */
    private static int low3(int r) {
        return r >= 16 ? r - 12 : r & 7;
    }

    private static void prefixes(StringBuilder b, int size, int reg, int rm) {
        if (size == 2) {
            b.append("0x66,");
        }
        int rex = (size == 8 ? 8 : 0) | (reg >= 8 && reg < 16 ? 4 : 0) | (rm >= 8 && rm < 16 ? 1 : 0);
        boolean needRex = size == 1 && (Regs.needsRex(reg) || Regs.needsRex(rm));
        if (rex != 0 || needRex) {
            b.append(hex(0x40 | rex)).append(',');
        }
    }

    private static void imm(StringBuilder b, long imm, int n) {
        for (int k = 0; k < n; k++) {
            b.append(',').append(hex((int) (imm >>> (8 * k)) & 0xFF));
        }
    }

    private static String hex(int v) {
        return "0x" + Integer.toHexString(v);
    }
}
