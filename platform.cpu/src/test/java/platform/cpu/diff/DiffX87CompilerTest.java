package platform.cpu.diff;

import org.junit.jupiter.api.Test;

/**
 * Long double code as gcc 12 -O2 (x86-64, no SSE3, so no FISTTP) compiles it, transcribed
 * from {@code gcc -S -masm=intel} into nasm with the constants moved into the data region:
 * musl's frexpl and the core of its printf {@code fmt_fp} (frexpl, scaling by 2^28, then the
 * base-10^9 digit loop {@code *z = y; y = 1000000000*(y - *z++);}, whose long double to
 * uint32 conversion is the FNSTCW / OR AH,12 / FLDCW / FISTP / FLDCW sequence and whose loop
 * test is FUCOMI with its JP/JNE pair), {@code (long)(x + 0.5L)}, long double to unsigned
 * long (FCOMI against 2^63, FSUBRP, BTC), the six comparisons through FUCOMI/FCOMI/FCOMIP and
 * SETcc/CMOVcc, a decimal accumulation {@code x = x*10 + digit} (FILD m32), a polynomial with
 * memory operands, and conversions to and from double. Inputs: every class of long double.
 */
class DiffX87CompilerTest {
    static final int N = 150;
    private final Gen g = new Gen(0x87_0007);
    private final X87Values x = new X87Values(g);

    /** The .LC constants gcc put in .rodata, here at DATA + 0xF00: float32 0x1p120, 0x1p28, 1e9, 0.5, 10, 0x1p63, 0.25, 1.5, 3, 7. */
    static final long[] CONST_BITS = {2071986176L, 1300234240L, 1315859240L, 1056964608L, 1092616192L, 1593835520L,
        1048576000L, 1069547520L, 1077936128L, 1088421888L};

    /** A state with the constants in place and an empty x87 stack (the ABI's state at a call). */
    MachineState state() {
        MachineState s = x.state(0x37F);
        for (int k = 0; k < CONST_BITS.length; k++) {
            s.poke(0xF00 + 4 * k, 4, CONST_BITS[k]);
        }
        return s;
    }

    /**
     * Calls {@code fn} with the long doubles at DATA + 0x100 and DATA + 0x110 as its stack
     * arguments, rdi = DATA + 0x200, rsi = DATA + 0x300; stores a long double result at DATA + 0x400.
     */
    static String call(String fn, String body, boolean returnsLongDouble) {
        return """
                sub rsp, 32
                fld tword [DATA + 0x100]
                fstp tword [rsp]
                fld tword [DATA + 0x110]
                fstp tword [rsp + 16]
                lea rdi, [DATA + 0x200]
                lea rsi, [DATA + 0x300]
                call FN
                add rsp, 32
                """.replace("FN", fn) + (returnsLongDouble ? "fstp tword [DATA + 0x400]\n" : "") + "jmp done\n" + body + "\ndone:\n";
    }

    static final String FREXPL = """
            my_frexpl:
                sub rsp, 40
                fld tword [rsp+48]
                mov rax, qword [rsp+56]
                mov edx, eax
                fld st0
                fstp tword [rsp+16]
                and dx, 32767
                je .L13
                fstp st0
                cmp dx, 32767
                je .L6
                movzx edx, dx
                and ax, -32768
                sub edx, 16382
                or ax, 16382
                mov word [rsp+24], ax
                fld tword [rsp+16]
                mov dword [rdi], edx
                add rsp, 40
                ret
            .L13:
                fldz
                fxch st1
                fucomip st0, st1
                fstp st0
                jp .L7
                jne .L7
                mov dword [rdi], 0
            .L6:
                fld tword [rsp+48]
                add rsp, 40
                ret
            .L7:
                fld tword [rsp+48]
                fmul dword [DATA + 0xf00]
                sub rsp, 16
                mov qword [rsp+24], rdi
                fstp tword [rsp]
                call my_frexpl
                mov rdi, qword [rsp+24]
                sub dword [rdi], 120
                pop rax
                pop rdx
                add rsp, 40
                ret
            """;

    static final String DIGITS = """
            digits:
                sub rsp, 40
                mov r8, rdi
                mov dword [rsp+28], 0
                push qword [rsp+56]
                push qword [rsp+56]
                lea rdi, [rsp+44]
                call my_frexpl
                pop rax
                pop rdx
                fadd st0, st0
                fldz
                fxch st1
                fucomi st0, st1
                fstp st1
                jp .L15
                jne .L15
                mov edi, dword [rsp+28]
            .L17:
                test edi, edi
                jns .L18
                fmul dword [DATA + 0xf04]
            .L18:
                fnstcw word [rsp+14]
                fld dword [DATA + 0xf08]
                lea rcx, [r8+80]
                mov rax, r8
                movzx edx, word [rsp+14]
                fldz
                fxch st2
                or dh, 12
                mov word [rsp+12], dx
                jmp .L21
            .L23:
                cmp rcx, rax
                je .L26
            .L21:
                fld st0
                fldcw word [rsp+12]
                fistp qword [rsp]
                fldcw word [rsp+14]
                add rax, 4
                mov rdx, qword [rsp]
                mov dword [rax-4], edx
                mov edx, edx
                mov qword [rsp], rdx
                fild qword [rsp]
                fsubp st1, st0
                fmul st0, st1
                fld st2
                fxch st1
                fucomi st0, st1
                fstp st1
                jp .L23
                jne .L23
                fstp st0
                fstp st0
                fstp st0
                jmp .L19
            .L26:
                fstp st0
                fstp st0
                fstp st0
            .L19:
                sub rax, r8
                mov dword [rsi], edi
                add rsp, 40
                sar rax, 2
                ret
            .L15:
                mov eax, dword [rsp+28]
                lea edi, [rax-1]
                jmp .L17
            """;

    static final String LROUND = """
            lround_like:
                fnstcw word [rsp-10]
                fld tword [rsp+8]
                fadd dword [DATA + 0xf0c]
                movzx eax, word [rsp-10]
                or ah, 12
                mov word [rsp-12], ax
                fldcw word [rsp-12]
                fistp qword [rsp-24]
                fldcw word [rsp-10]
                mov rax, qword [rsp-24]
                ret
            """;

    static final String TO_U64 = """
            toU64:
                fld dword [DATA + 0xf14]
                fld tword [rsp+8]
                fcomi st0, st1
                jnb .L8
                fstp st1
                fnstcw word [rsp-10]
                movzx eax, word [rsp-10]
                or ah, 12
                mov word [rsp-12], ax
                fldcw word [rsp-12]
                fistp qword [rsp-24]
                fldcw word [rsp-10]
                mov rax, qword [rsp-24]
                ret
            .L8:
                fnstcw word [rsp-10]
                fsubrp st1, st0
                movzx eax, word [rsp-10]
                or ah, 12
                mov word [rsp-12], ax
                fldcw word [rsp-12]
                fistp qword [rsp-24]
                fldcw word [rsp-10]
                mov rax, qword [rsp-24]
                btc rax, 63
                ret
            """;

    static final String CMP = """
            cmp:
                fld tword [rsp+8]
                xor eax, eax
                mov edx, 0
                fld tword [rsp+24]
                fucomi st0, st1
                setnp al
                cmovne eax, edx
                xor edx, edx
                fcomi st0, st1
                fxch st1
                seta dl
                lea eax, [rdx+rax*2]
                xor edx, edx
                fcomip st0, st1
                fstp st0
                seta dl
                lea eax, [rax+rdx*4]
                ret
            """;

    /** toD(long double) -> double, and its result passed on to fromD(double, float, int) -> long double, inlined. */
    static final String TO_D_FROM_D = """
            toD:
                fld tword [rsp+8]
                fstp qword [rsp-16]
                movsd xmm0, qword [rsp-16]
                movd xmm1, dword [DATA + 0x118]
                mov edi, dword [DATA + 0x11c]
                cvtss2sd xmm1, xmm1
                mulsd xmm1, xmm0
                pxor xmm0, xmm0
                cvtsi2sd xmm0, edi
                addsd xmm1, xmm0
                movsd qword [rsp-16], xmm1
                fld qword [rsp-16]
                ret
            """;

    static final String POLY = """
            poly:
                fld tword [rsp+8]
                fld st0
                fmul dword [DATA + 0xf18]
                fadd dword [DATA + 0xf1c]
                fmul st0, st1
                fsub dword [DATA + 0xf20]
                fmulp st1, st0
                fdiv dword [DATA + 0xf24]
                ret
            """;

    static final String ACCUM = """
            accum:
                movsx eax, byte [rdi]
                fldz
                test al, al
                je .L4
                fld dword [DATA + 0xf10]
            .L3:
                sub eax, 48
                fmul st1, st0
                add rdi, 1
                mov dword [rsp-12], eax
                fild dword [rsp-12]
                movsx eax, byte [rdi]
                faddp st2, st0
                test al, al
                jne .L3
                fstp st0
                ret
            .L4:
                ret
            """;

    /** A long double argument: anything, often an ordinary number. */
    long[] argument() {
        return g.rnd.nextInt(3) == 0 ? x.normal(g.rnd.nextInt(200) - 100) : x.ext();
    }

    private void run(String asm, int n, boolean positive) {
        Differential.Batch b = Differential.batch();
        for (int k = 0; k < n; k++) {
            MachineState s = state();
            long[] a = argument();
            if (positive) {
                a[1] &= 0x7FFF;
            }
            X87Values.poke80(s, 0x100, a);
            long[] c = g.rnd.nextInt(4) == 0 ? a.clone() : argument();
            X87Values.poke80(s, 0x110, c);
            s.poke(0x118, 4, x.f32());
            s.poke(0x11C, 4, g.value(4));
            if (g.rnd.nextInt(4) == 0) {
                s.fcw = (0x37F & ~0xC00) | g.rnd.nextInt(4) << 10; // the caller's rounding mode
            }
            b.add(asm, s, Differential.ALL).name(String.format("arg=%04x:%016x other=%04x:%016x fcw=%x", a[1], a[0], c[1],
                    c[0], s.fcw));
        }
        b.run();
    }

    @Test
    void muslPrintfDigits() {
        run(call("digits", DIGITS + FREXPL, false), N * 2, true);
    }

    @Test
    void roundToLong() {
        run(call("lround_like", LROUND, false), N, false);
    }

    @Test
    void toUnsignedLong() {
        run(call("toU64", TO_U64, false), N, false);
    }

    @Test
    void comparisons() {
        run(call("cmp", CMP, false), N, false);
    }

    @Test
    void doubleConversions() {
        run(call("toD", TO_D_FROM_D, true), N, false);
    }

    @Test
    void polynomial() {
        run(call("poly", POLY, true), N, false);
    }

    @Test
    void decimalAccumulation() {
        Differential.Batch b = Differential.batch();
        String asm = call("accum", ACCUM, true);
        for (int k = 0; k < N; k++) {
            MachineState s = state();
            int len = g.rnd.nextInt(30);
            for (int i = 0; i < len; i++) {
                s.data[0x200 + i] = (byte) ('0' + g.rnd.nextInt(10));
            }
            s.data[0x200 + len] = 0;
            if (g.rnd.nextInt(4) == 0) {
                s.fcw = (0x37F & ~0xF00) | g.rnd.nextInt(4) << 10 | new int[] {0, 2, 3}[g.rnd.nextInt(3)] << 8;
            }
            b.add(asm, s, Differential.ALL).name(new String(s.data, 0x200, len) + String.format(" fcw=%x", s.fcw));
        }
        b.run();
    }
}
