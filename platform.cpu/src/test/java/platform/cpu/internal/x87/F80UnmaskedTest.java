package platform.cpu.internal.x87;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * Unmasked exceptions against the host x87: results are passed in the
 * destination register (ST(0) = a), which must stay unchanged for IE, DE
 * and ZE, and receive the exponent-wrapped result for OE and UE; stores to
 * memory must write nothing (the oracle's memory starts as 0).
 */
class F80UnmaskedTest {
    private static final int PRE = F80.IE | F80.DE | F80.ZE;

    @Test
    void registerDestinations() {
        SplittableRandom r = new SplittableRandom(31);
        F80Cases c = new F80Cases();
        String[] ops = {"add", "sub", "mul", "div", "sqrt", "scale", "prem", "prem1", "rndint"};
        int[] counts = new int[2];
        for (int i = 0; i < 40_000; i++) {
            long[] a = F80Cases.operand(r);
            long[] b = F80Cases.operand(r);
            String op = ops[r.nextInt(ops.length)];
            if (op.equals("scale") && r.nextBoolean()) {
                b = new long[] {(r.nextBoolean() ? 0x8000 : 0) | (F80.BIAS + 10 + r.nextInt(5)), F80Cases.significand(r)};
            }
            int cw = F80Cases.randomCw(r) & ~r.nextInt(64);
            c.add(op, cw, (int) a[0], a[1], (int) b[0], b[1]);
        }
        c.check((op, cw, aSe, aM, bSe, bM, r1, r2) -> {
            r1.set(aSe, aM);
            F80Cases.Impl impl = op.equals("add") || op.equals("sub") || op.equals("mul") || op.equals("div")
                    || op.equals("sqrt") ? F80ArithmeticTest.IMPL : F80MiscTest.IMPL;
            int f = impl.apply(op, cw, aSe, aM, bSe, bM, r1, r2);
            if ((f & ~cw & (F80.OE | F80.UE)) != 0) {
                counts[0]++;
            }
            if ((f & ~cw & PRE) != 0) {
                counts[1]++;
            }
            return f;
        }, F80Cases.SW_ALL, false);
        assertTrue(counts[0] > 500 && counts[1] > 500, "unmasked OE/UE cases " + counts[0] + ", IE/DE/ZE " + counts[1]);
    }

    @Test
    void memoryDestinations() {
        SplittableRandom r = new SplittableRandom(32);
        F80Cases c = new F80Cases();
        String[] ops = {"st32", "st64", "ist16", "ist32", "ist64", "istt32"};
        for (int i = 0; i < 20_000; i++) {
            long[] a = F80Cases.operand(r);
            c.add(ops[r.nextInt(ops.length)], F80Cases.randomCw(r) & ~r.nextInt(64), (int) a[0], a[1], 0, 0);
        }
        c.check((op, cw, aSe, aM, bSe, bM, r1, r2) -> {
            int f = F80ConvertTest.IMPL.apply(op, cw, aSe, aM, bSe, bM, r1, r2);
            if ((f & ~cw & (F80.IE | F80.OE | F80.UE)) != 0) {
                r1.set(0, 0); // the x87 unit stores nothing
            }
            return f;
        }, F80Cases.SW_ALL, false);
    }
}
