package platform.cpu.diff;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every x87 encoding, swept: all 512 register forms of D8..DF (ModRM C0..FF, documented,
 * reserved and the undocumented aliases such as FSTP1, FXCH4, FCOMP5, FFREEP, which the
 * host executes and so must the emulator) and all 64 memory forms (/0../7 of D8..DF) from
 * random stacks (depth 0..8, holes, every operand class), random control words (rounding,
 * precision, sometimes unmasked exceptions) and random memory operands. The exact
 * instruction semantics are checked in depth by the other DiffX87*Test classes; this one
 * makes sure no encoding is missing or decoded as another.
 *
 * <p>Left out here and covered elsewhere: the transcendental instructions (within 1 ulp,
 * {@link DiffX87TranscendentalTest}), FNSTENV/FNSAVE (their images hold the host's
 * instruction and data pointers, {@link DiffX87ControlTest}), FLDENV/FRSTOR (need
 * consistent images), FISTTP (SSE3; the host has it, the emulated CPU does not announce it).
 */
class DiffX87EncodingTest {
    static final int STATES = 10;
    /** D9 F0..FF register forms that are transcendental (not bit-exact). */
    static final Set<Integer> TRANSCENDENTAL = Set.of(0xF0, 0xF1, 0xF2, 0xF3, 0xF9, 0xFB, 0xFE, 0xFF);

    private final Gen g = new Gen(0x87_0001);
    private final X87Values x = new X87Values(g);

    /** A random stack: depth 0..8 (mostly 2..8), sometimes with holes. */
    MachineState randomStack() {
        int depth = switch (g.rnd.nextInt(6)) {
            case 0 -> g.rnd.nextInt(2);
            case 1 -> 8;
            default -> 2 + g.rnd.nextInt(6);
        };
        long[][] v = new long[depth][];
        for (int k = 0; k < depth; k++) {
            v[k] = g.rnd.nextInt(10) == 0 ? null : x.ext();
        }
        return x.state(x.fcw(), v);
    }

    @Test
    void registerForms() {
        Differential.Batch b = Differential.batch();
        for (int op = 0xD8; op <= 0xDF; op++) {
            for (int modrm = 0xC0; modrm <= 0xFF; modrm++) {
                if (op == 0xD9 && TRANSCENDENTAL.contains(modrm)) {
                    continue;
                }
                String asm = String.format("db 0x%x, 0x%x", op, modrm);
                for (int k = 0; k < STATES; k++) {
                    X87Values.add(b, asm, randomStack(), null);
                }
            }
        }
        b.run();
    }

    @Test
    void memoryForms() {
        Differential.Batch b = Differential.batch();
        for (int op = 0xD8; op <= 0xDF; op++) {
            for (int ext = 0; ext < 8; ext++) {
                int enc = op << 3 | ext;
                if (enc == (0xD9 << 3 | 4) || enc == (0xD9 << 3 | 6) || enc == (0xDD << 3 | 4) || enc == (0xDD << 3 | 6)
                        || ext == 1 && (op == 0xDB || op == 0xDD || op == 0xDF)) {
                    continue;
                }
                // ModRM mod=00 rm=101: RIP-relative (default rel) into DATA
                String asm = String.format("db 0x%x, 0x%x ; dd DATA + 0x200 - (CODE + 6)", op, 0x05 | ext << 3)
                        .replace(" ; dd", "\ndd");
                for (int k = 0; k < STATES * 2; k++) {
                    MachineState s = randomStack();
                    switch (g.rnd.nextInt(6)) {
                        case 0 -> s.poke(0x200, 4, x.f32());
                        case 1 -> s.poke(0x200, 8, x.f64());
                        case 2 -> X87Values.poke80(s, 0x200, x.ext());
                        case 3 -> s.poke(0x200, 8, g.value(8));
                        case 4 -> {
                            long[] d = x.bcd();
                            s.poke(0x200, 8, d[0]);
                            s.poke(0x208, 2, d[1]);
                        }
                        default -> { } // random bytes
                    }
                    X87Values.add(b, asm, s, String.format("%x /%d mem=%016x:%016x", op, ext, s.peek(0x208, 8), s.peek(0x200, 8)));
                }
            }
        }
        b.run();
    }
}
