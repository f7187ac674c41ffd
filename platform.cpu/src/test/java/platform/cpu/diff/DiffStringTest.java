package platform.cpu.diff;

import static platform.cpu.diff.Differential.ALL;
import static platform.cpu.diff.Differential.DF;
import static platform.cpu.diff.MachineState.DATA;
import static platform.cpu.diff.MachineState.RCX;
import static platform.cpu.diff.MachineState.RDI;
import static platform.cpu.diff.MachineState.RSI;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * MOVS CMPS STOS LODS SCAS at every size, with and without REP/REPE/REPNE, both directions,
 * 64- and 32-bit addressing, overlapping copies, FS-relative sources, REPs that fault in
 * the middle (registers and memory must show exactly the completed elements), and REPs long
 * enough to be split into several executions.
 */
class DiffStringTest {
    static final int DATA_SIZE = 16384;
    static final String[] SUFFIX = {"", "b", "w", "", "d", "", "", "", "q"};
    private final Gen g = new Gen(0x57_5701);
    private final Random rnd = g.rnd;

    private MachineState state() {
        MachineState s = g.state().dataSize(DATA_SIZE);
        rnd.nextBytes(s.data);
        return s;
    }

    /** A state for a string op: RSI/RDI inside the data, a count, DF as given. */
    private MachineState stringState(int size, long count, boolean down) {
        MachineState s = state();
        int span = (int) Math.min(count * size + 16, DATA_SIZE / 2);
        long lo = DATA + span, hi = DATA + DATA_SIZE - span;
        s.gpr[RSI] = lo + rnd.nextInt((int) (hi - lo));
        s.gpr[RDI] = rnd.nextInt(4) == 0 ? s.gpr[RSI] + rnd.nextInt(33) - 16 : lo + rnd.nextInt((int) (hi - lo));
        s.gpr[RCX] = rnd.nextInt(3) == 0 ? count | (g.any() & 0xFFFF_FFFF_0000_0000L & (rnd.nextBoolean() ? -1L : 0)) : count;
        s.rflags = (s.rflags & ~DF) | (down ? DF : 0);
        return s;
    }

    private long count() {
        return switch (rnd.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> rnd.nextInt(8);
            default -> rnd.nextInt(300);
        };
    }

    @Test
    void everyFormAndPrefix() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"movs", "cmps", "stos", "lods", "scas"};
        for (String op : ops) {
            boolean compare = op.equals("cmps") || op.equals("scas");
            String[] prefixes = compare ? new String[] {"", "repe ", "repne "} : new String[] {"", "rep ", "db 0xf2\n"};
            for (int size : new int[] {1, 2, 4, 8}) {
                for (String prefix : prefixes) {
                    for (String a32 : new String[] {"", "a32 "}) {
                        String asm = prefix + a32 + op + SUFFIX[size];
                        for (int k = 0; k < 14; k++) {
                            MachineState s = stringState(size, count(), rnd.nextInt(3) == 0);
                            if (compare && rnd.nextBoolean()) { // make the compares equal for a while
                                int len = (int) (s.gpr[RCX] & 0xFFFF) * size;
                                int si = (int) (s.gpr[RSI] - DATA), di = (int) (s.gpr[RDI] - DATA);
                                boolean down = (s.rflags & DF) != 0;
                                int stop = rnd.nextInt(len + 1);
                                for (int j = 0; j < stop && j < DATA_SIZE / 2 - 16; j++) {
                                    int from = down ? si + size - 1 - j : si + j, to = down ? di + size - 1 - j : di + j;
                                    if (op.equals("scas")) {
                                        if (to >= 0 && to < DATA_SIZE) {
                                            s.data[to] = (byte) (s.gpr[0] >>> (8 * (Math.floorMod(j, size))));
                                        }
                                    } else if (from >= 0 && from < DATA_SIZE && to >= 0 && to < DATA_SIZE) {
                                        s.data[to] = s.data[from];
                                    }
                                }
                            }
                            if (!a32.isEmpty()) { // 32-bit addresses: upper halves are ignored
                                s.gpr[RSI] |= g.any() & 0xFFFF_FFFF_0000_0000L;
                                s.gpr[RDI] |= g.any() & 0xFFFF_FFFF_0000_0000L;
                            }
                            b.add(asm, s, ALL).name(asm);
                        }
                    }
                }
            }
        }
        b.run();
    }

    @Test
    void overlapSegmentsAndFaults() {
        Differential.Batch b = Differential.batch();
        for (int size : new int[] {1, 2, 4, 8}) {
            String movs = "rep movs" + SUFFIX[size], stos = "rep stos" + SUFFIX[size];
            for (int d = -20; d <= 20; d++) { // overlapping copies, both directions
                for (boolean down : new boolean[] {false, true}) {
                    MachineState s = stringState(size, 64 + rnd.nextInt(200), down);
                    s.gpr[RDI] = s.gpr[RSI] + d;
                    b.add(movs, s, ALL).name(movs + " overlap " + d);
                }
            }
            // copies and fills that run into the unmapped page after the data, the read-only page, or start outside
            long[][] where = {{DATA + DATA_SIZE - 100, DATA + 64}, {DATA + 64, DATA + DATA_SIZE - 100},
                {DATA + 64, MachineState.RODATA - 40}, {DATA - 8, DATA + 64}, {DATA + 0x1ffd, DATA + 0x2ffb}};
            for (long[] w : where) {
                for (String asm : new String[] {movs, stos, "rep lods" + SUFFIX[size], "repe cmps" + SUFFIX[size],
                    "repne scas" + SUFFIX[size]}) {
                    MachineState s = state();
                    s.gpr[RSI] = w[0];
                    s.gpr[RDI] = w[1];
                    s.gpr[RCX] = 1000;
                    s.gpr[0] = 0x5A5A_5A5A_5A5A_5A5AL;
                    if (asm.startsWith("repe")) {
                        java.util.Arrays.fill(s.data, (byte) 0x77);
                    }
                    b.add(asm, s, ALL).name(asm + " fault");
                }
            }
            // RODATA as source (readable) and RSI in a page that crosses into the data
            MachineState s = state();
            s.gpr[RSI] = MachineState.RODATA + 4000;
            s.gpr[RDI] = DATA + 100;
            s.gpr[RCX] = 300;
            b.add(movs, s, ALL).name(movs + " from rodata");
            // an FS-relative source
            for (String asm : new String[] {"fs " + movs, "fs lods" + SUFFIX[size], "fs repe cmps" + SUFFIX[size], "gs movs" + SUFFIX[size]}) {
                MachineState t = stringState(size, 1 + rnd.nextInt(50), false);
                t.fsBase = 0x100;
                t.gsBase = 0x8;
                t.gpr[RSI] -= 0x100;
                b.add(asm, t, ALL).name(asm);
            }
        }
        b.run();
    }

    @Test
    void longRepsAreSplitAndResumed() {
        Differential.Batch b = Differential.batch();
        int big = 1 << 20;
        for (String asm : new String[] {"rep movsb", "rep movsq", "rep stosb", "rep stosd", "repe cmpsb", "repne scasw",
            "std\nrep movsb", "rep movsb\nmov rax, rcx"}) {
            MachineState s = g.state().dataSize(big);
            rnd.nextBytes(s.data);
            boolean down = asm.startsWith("std");
            s.gpr[RSI] = DATA + (down ? big / 2 - 1 : 8);
            s.gpr[RDI] = DATA + big / 2 + (down ? big / 2 - 8 : 3);
            s.gpr[RCX] = asm.endsWith("q") ? (big / 2 - 64) / 8 : big / 2 - 64;
            if (asm.contains("cmps")) {
                System.arraycopy(s.data, 8, s.data, big / 2 + 3, big / 2 - 200);
            }
            if (asm.contains("scas")) {
                s.gpr[0] = 0;
                java.util.Arrays.fill(s.data, big / 2, big - 100, (byte) 1);
            }
            b.add(asm, s, ALL).name(asm + " long");
        }
        // and one that runs off the end of a 1 MiB data region after many yields
        MachineState s = g.state().dataSize(big);
        s.gpr[RSI] = DATA;
        s.gpr[RDI] = DATA + 0x8000;
        s.gpr[RCX] = big;
        b.add("rep movsb", s, ALL).name("rep movsb off the end");
        b.run();
    }
}
