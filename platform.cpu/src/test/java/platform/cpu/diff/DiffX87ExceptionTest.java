package platform.cpu.diff;

import java.util.List;
import org.junit.jupiter.api.Test;
import platform.cpu.Vectors;

/**
 * x87 exceptions: stack overflow (nine pushes) and underflow (operations on empty registers)
 * with the masked responses and unmasked; every exception (IE DE ZE OE UE PE) unmasked with
 * FLDCW and then raised, which leaves the destination unchanged (IE DE ZE; OE UE with the
 * wrapped result; PE with the result) and sets ES and B, after which the next waiting x87
 * instruction (FWAIT or any x87 instruction but the no-wait ones: FNSTSW FNSTCW FNCLEX FNINIT
 * FNSTENV FNSAVE) raises #MF at its own RIP, with the state as the host's SIGFPE frame shows
 * it; non-x87 instructions in between run. The harness reads the vector from the signal
 * frame's trap number, so #MF (16, from an x87 exception) and #DE (0, from DIV) are told apart
 * although both arrive as SIGFPE; {@link #divideErrorIsNotMathFault} checks that it does.
 */
class DiffX87ExceptionTest {
    private final Gen g = new Gen(0x87_0006);
    private final X87Values x = new X87Values(g);

    static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32;

    /** An operation and two operands (ST(0), ST(1)) that raise exception {@code bit}. */
    record Trigger(int bit, String op, long[] st0, long[] st1) {}

    static final long[] ONE = {Long.MIN_VALUE, 0x3FFF}, THREE = {0xC000_0000_0000_0000L, 0x4000},
            ZERO = {0, 0}, INF = {Long.MIN_VALUE, 0x7FFF}, HUGE = {Long.MIN_VALUE, 0x7FF0},
            TINY = {Long.MIN_VALUE, 0x0010}, DENORMAL = {0x0000_0000_1234_5678L, 0}, SNAN = {0x8000_0000_0000_0001L, 0x7FFF},
            MINUS_ONE = {Long.MIN_VALUE, 0xBFFF};

    static final List<Trigger> TRIGGERS = List.of(
            new Trigger(IE, "fsqrt", MINUS_ONE, ONE),
            new Trigger(IE, "fsub st0, st1", INF, INF),
            new Trigger(IE, "fadd st0, st1", SNAN, ONE),
            new Trigger(IE, "fcom st1", SNAN, ONE),
            new Trigger(IE, "fistp word [DATA + 0x200]", HUGE, ONE),
            new Trigger(IE, "fstp dword [DATA + 0x200]", SNAN, ONE),
            new Trigger(IE, "fdivp st1, st0", ZERO, ZERO),
            new Trigger(IE, "fprem", INF, ONE),
            new Trigger(DE, "fadd st0, st1", DENORMAL, ONE),
            new Trigger(DE, "fmul st0, st1", ONE, DENORMAL),
            new Trigger(DE, "fld dword [DATA + 0x208]", ONE, ONE),    // a denormal float32 in memory: loaded anyway
            new Trigger(ZE, "fdiv st0, st1", ONE, ZERO),
            new Trigger(ZE, "fdivrp st1, st0", THREE, ZERO),
            new Trigger(ZE, "fxtract", ZERO, ONE),
            new Trigger(ZE, "fidiv word [DATA + 0x20c]", ONE, ONE),  // divided by the int16 0 in memory
            new Trigger(OE, "fmul st0, st1", HUGE, HUGE),
            new Trigger(OE, "fst dword [DATA + 0x200]", HUGE, ONE),
            new Trigger(OE, "fscale", ONE, new long[] {Long.MIN_VALUE, 0x400D}), // 2^16384
            new Trigger(UE, "fmul st0, st1", TINY, TINY),
            new Trigger(UE, "fstp qword [DATA + 0x200]", TINY, ONE),
            new Trigger(PE, "fdiv st0, st1", ONE, THREE),
            new Trigger(PE, "fst dword [DATA + 0x200]", new long[] {0xAAAA_AAAA_AAAA_AAABL, 0x3FFF}, ONE),
            new Trigger(PE, "fldpi\nfsqrt", ONE, ONE));

    /** What follows the faulting instruction: the first x87 waiting instruction is where #MF comes. */
    static final String[] NEXT = {"", "fwait", "fld1", "fnstsw ax\nfwait", "fstsw ax", "mov eax, 5\nadd ebx, eax\nfwait",
        "fnclex\nfwait", "fninit\nfld1", "fnstcw [DATA + 0x100]\nfwait", "fxch", "fldcw [DATA + 0x100]\nfwait",
        "fnstenv [DATA + 0x280]" + DiffX87ControlTest.clearPointers(0x280, false) + "\nfwait",
        "fnsave [DATA + 0x280]" + DiffX87ControlTest.clearPointers(0x280, false) + "\nfld1",
        "addss xmm0, xmm1\nfwait", "fstp st0", "fnop"};

    private MachineState state(Trigger t, int fcw) {
        MachineState s = x.state(fcw, t.st0, t.st1);
        s.fsw &= ~0x3F; // no sticky flags from before: the exception is the instruction's own
        s.poke(0x100, 2, fcw);
        s.poke(0x208, 4, 0x0000_1234);       // a float32 denormal
        s.poke(0x20C, 2, 0);                 // int16 zero
        return s;
    }

    @Test
    void unmaskedExceptionsRaiseMathFaultAtTheNextWaitingInstruction() {
        Differential.Batch b = Differential.batch();
        for (Trigger t : TRIGGERS) {
            for (String next : NEXT) {
                for (int variant = 0; variant < 3; variant++) {
                    int masks = switch (variant) {
                        case 0 -> 0x3F & ~t.bit;    // only this one unmasked
                        case 1 -> 0;                // everything unmasked
                        default -> 0x3F;            // masked: the response, and no #MF
                    };
                    int fcw = 0x40 | masks | 3 << 8 | g.rnd.nextInt(4) << 10;
                    String asm = t.op + (next.isEmpty() ? "" : "\n" + next);
                    Differential.Case c = X87Values.add(b, asm, state(t, fcw), String.format("fcw=%x", fcw));
                    if (next.equals("fwait") && variant == 0) {
                        c.expect(Vectors.MF);
                    }
                }
            }
        }
        b.run();
    }

    /** FLDCW that unmasks an exception whose flag is already set: pending from then on. */
    @Test
    void unmaskingASetFlag() {
        Differential.Batch b = Differential.batch();
        for (String next : NEXT) {
            for (int k = 0; k < 12; k++) {
                int flags = 1 << g.rnd.nextInt(6) | (g.rnd.nextBoolean() ? g.rnd.nextInt(64) : 0);
                MachineState s = x.state(0x37F, x.ext(), x.ext());
                s.fsw |= flags;
                int cw = 0x37F & ~(1 << g.rnd.nextInt(6)) & ~(g.rnd.nextBoolean() ? g.rnd.nextInt(64) : 0);
                s.poke(0x100, 2, cw);
                X87Values.add(b, "fldcw [DATA + 0x100]\n" + next, s, String.format("flags=%x cw=%x", flags, cw));
            }
        }
        b.run();
    }

    /** A state that starts with an exception pending (ES set): the first waiting instruction faults. */
    @Test
    void pendingAtStart() {
        Differential.Batch b = Differential.batch();
        String[] first = {"fwait", "fld1", "fnstsw ax", "fstsw ax", "fnstcw [DATA + 0x200]", "fstcw [DATA + 0x200]",
            "fnclex\nfld1", "fclex", "fninit\nfld1", "finit", "fldcw [DATA + 0x100]", "fldcw [DATA + 0x100]\nfld1",
            "fldenv [DATA + 0x140]", "frstor [DATA + 0x140]", "fnstenv [DATA + 0x200]" + DiffX87ControlTest.clearPointers(0x200, false),
            "fstenv [DATA + 0x200]", "fnsave [DATA + 0x200]" + DiffX87ControlTest.clearPointers(0x200, false), "fsave [DATA + 0x200]",
            "fxch", "ffree st1", "fincstp", "fnop", "fst st1", "fild word [DATA + 0x100]", "fistp word [DATA + 0x200]",
            "mov eax, 1\npaddd xmm0, xmm1", "fcomi st0, st1", "fcmove st0, st1", "db 0xdb, 0xe0 ; feni", "db 0xdb, 0xe4 ; fsetpm",
            "fxam", "db 0xd9, 0xd8 ; fstp1", "db 0xdf, 0xc1 ; ffreep"};
        for (String op : first) {
            for (int k = 0; k < 8; k++) {
                int fcw = 0x37F & ~(1 << g.rnd.nextInt(6));
                MachineState s = x.state(fcw, x.ext(), x.ext());
                s.fsw |= (~fcw & 0x3F) | 0x8080;
                s.poke(0x100, 2, g.rnd.nextBoolean() ? 0x37F : fcw);
                // an environment without anything pending, and one with its own
                s.poke(0x140, 4, 0xFFFF037F);
                s.poke(0x144, 4, 0xFFFF0000L | (g.rnd.nextBoolean() ? 0 : 0x8081));
                s.poke(0x148, 4, 0xFFFF0000L | g.rnd.nextInt(0x10000));
                X87Values.add(b, op, s, String.format("fcw=%x", fcw));
            }
        }
        b.run();
    }

    @Test
    void stackOverflow() {
        Differential.Batch b = Differential.batch();
        String[] pushes = {"fld1", "fldz", "fldpi", "fld st0", "fld st3", "fild word [DATA + 0x100]", "fld dword [DATA + 0x100]",
            "fld qword [DATA + 0x100]", "fld tword [DATA + 0x100]", "fbld [DATA + 0x100]", "fxtract", "fdecstp\nfld1",
            "fptan\nfxch", "fsincos\nfxch"}; // fldz first: tan 0 = 0, sin 0 = 0, cos 0 = 1, exactly
        for (String push : pushes) {
            for (int masked = 0; masked < 2; masked++) {
                for (String tail : new String[] {"", "\nfwait"}) {
                    MachineState s = x.state(masked == 1 ? 0x37F : 0x37E);
                    s.poke(0x100, 8, 0x4000_0000_0000_0000L);
                    s.poke(0x108, 2, 0x3FFF);
                    String asm = "fldz\n" + (push + "\n").repeat(8) + "fstp tword [DATA + 0x200]" + tail;
                    X87Values.add(b, asm, s, push + (masked == 1 ? " masked" : " unmasked"));
                }
            }
        }
        b.run();
    }

    @Test
    void stackUnderflow() {
        Differential.Batch b = Differential.batch();
        String[] ops = {"fadd st0, st1", "fadd st1, st0", "faddp", "fsubp st2, st0", "fdivr st0, st3", "fmul dword [DATA + 0x100]",
            "fiadd word [DATA + 0x100]", "fsqrt", "fchs", "fabs", "frndint", "fscale", "fprem", "fprem1", "fxtract", "fxch st1",
            "fst st1", "fstp st1", "fst dword [DATA + 0x100]", "fstp qword [DATA + 0x100]", "fstp tword [DATA + 0x100]",
            "fist word [DATA + 0x100]", "fistp dword [DATA + 0x100]", "fistp qword [DATA + 0x100]", "fbstp [DATA + 0x100]",
            "fcom st1", "fcomp st1", "fcompp", "fucompp", "fcomi st0, st1", "fucomip st0, st1", "ftst", "fxam", "fld st1",
            "fcmovb st0, st1", "fcmovnb st0, st1", "fsin", "fcos", "fptan", "fpatan", "fyl2x", "fyl2xp1", "f2xm1", "fsincos",
            "fcom dword [DATA + 0x100]", "ficomp word [DATA + 0x100]"};
        for (String op : ops) {
            for (int k = 0; k < 8; k++) {
                int fcw = switch (k & 3) {
                    case 0 -> 0x37F;
                    case 1 -> 0x37E;
                    case 2 -> 0x340;
                    default -> x.fcw();
                };
                // ST(0) empty, or ST(1) empty, or both
                long[][] st = switch (k >> 1 & 3) {
                    case 0 -> new long[][] {null, X87Values.v(0xC000_0000_0000_0000L, 0x4000)};
                    case 1 -> new long[][] {X87Values.v(0xC000_0000_0000_0000L, 0x4000), null};
                    case 2 -> new long[0][];
                    default -> new long[][] {x.ext(), null, null, x.ext()};
                };
                MachineState s = x.state(fcw, st);
                s.poke(0x100, 4, 0x0000_0001); // a denormal float32 / small integer: no DE may show
                String tail = k < 4 ? "" : "\nfwait";
                X87Values.add(b, op + tail, s, String.format("fcw=%x", fcw));
            }
        }
        b.run();
    }

    /** DIV by zero is #DE (vector 0), an x87 exception is #MF (vector 16): both reach the host as SIGFPE. */
    @Test
    void divideErrorIsNotMathFault() {
        Differential.Batch b = Differential.batch();
        MachineState pending = x.state(0x37B, ONE, ZERO);
        b.add("xor ecx, ecx\ndiv ecx", pending, Differential.ALL).expect(Vectors.DE);
        b.add("fdiv st0, st1\nxor ecx, ecx\ndiv ecx", pending, Differential.ALL).expect(Vectors.DE);
        b.add("fdiv st0, st1\nxor ecx, ecx\nfwait\ndiv ecx", pending, Differential.ALL).expect(Vectors.MF);
        b.run();
    }
}
