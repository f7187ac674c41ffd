/*
 * f80oracle: runs single x87 instructions on the host FPU, for the
 * differential tests of platform.cpu.internal.x87.F80*.
 *
 * Build: gcc -O1 -o f80oracle f80oracle.c   (x86-64 only)
 *
 * Protocol: one case per input line, one answer per output line.
 *
 *   input:  OP CW A B
 *   output: R1 R2 SW
 *
 * OP is an instruction name (see the table at the end). CW is the control
 * word in hex, loaded with FLDCW before the instruction. A and B are
 * operands: 80-bit values as 20 hex digits (4 digits sign+exponent, then
 * 16 digits significand), or, for loads from memory formats, the memory
 * image in hex (ld32, ld64, ild*). A is ST(0) and B is ST(1) when the
 * instruction runs. Unused operands may be given as 0.
 *
 * R1 is ST(0) after the instruction, or for a store the memory image it
 * wrote, in the significand field (float bits zero-extended, integers
 * sign-extended; a store that traps on an unmasked exception leaves 0).
 * R2 is ST(1) after it (meaningful for fxtract, fsincos, fptan). Both are
 * 20 hex digits.
 * SW is the status word (FNSTSW) right after the instruction, in hex.
 *
 * Each case starts from FNINIT, so only its own flags appear. Unmasked
 * exceptions are cleared with FNCLEX before the results are stored, so
 * they never trap; SW shows them (and ES) as the hardware set them.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct __attribute__((packed)) {
    uint64_t m;
    uint16_t se;
} f80;

typedef struct {
    const char *name;
    uint16_t (*fn)(uint16_t cw, const f80 *a, const f80 *b, uint64_t mem,
                   f80 *r1, f80 *r2);
} op;

/* ST(0) = a, ST(1) = b; INSN; r1 = ST(0), r2 = ST(1). */
#define STACK_OP(NAME, INSN)                                                 \
    static uint16_t NAME(uint16_t cw, const f80 *a, const f80 *b,            \
                         uint64_t mem, f80 *r1, f80 *r2) {                   \
        uint16_t sw;                                                         \
        (void)mem;                                                           \
        __asm__ volatile("fninit\n\t"                                        \
                         "fldcw %[cw]\n\t"                                   \
                         "fldt %[b]\n\t"                                     \
                         "fldt %[a]\n\t" INSN "\n\t"                         \
                         "fnstsw %[sw]\n\t"                                  \
                         "fnclex\n\t"                                        \
                         "fstpt %[r1]\n\t"                                   \
                         "fstpt %[r2]\n\t"                                   \
                         "fninit\n\t"                                        \
                         : [sw] "=m"(sw), [r1] "=m"(*r1), [r2] "=m"(*r2)     \
                         : [cw] "m"(cw), [a] "m"(*a), [b] "m"(*b)            \
                         : "memory");                                        \
        return sw;                                                           \
    }

/* ST(0) = a; INSN stores to memory; r1.m = the memory image. */
#define STORE_OP(NAME, INSN, TYPE)                                           \
    static uint16_t NAME(uint16_t cw, const f80 *a, const f80 *b,            \
                         uint64_t mem, f80 *r1, f80 *r2) {                   \
        uint16_t sw;                                                         \
        TYPE out = 0;                                                        \
        (void)b;                                                             \
        (void)mem;                                                           \
        __asm__ volatile("fninit\n\t"                                        \
                         "fldcw %[cw]\n\t"                                   \
                         "fldt %[a]\n\t" INSN " %[out]\n\t"                  \
                         "fnstsw %[sw]\n\t"                                  \
                         "fninit\n\t"                                        \
                         : [sw] "=m"(sw), [out] "+m"(out)                    \
                         : [cw] "m"(cw), [a] "m"(*a)                         \
                         : "memory");                                        \
        r1->se = 0;                                                          \
        r1->m = (uint64_t)out;                                               \
        r2->se = 0;                                                          \
        r2->m = 0;                                                           \
        return sw;                                                           \
    }

/* INSN loads the memory image `mem` (low bytes); r1 = ST(0). */
#define LOAD_OP(NAME, INSN, TYPE)                                            \
    static uint16_t NAME(uint16_t cw, const f80 *a, const f80 *b,            \
                         uint64_t mem, f80 *r1, f80 *r2) {                   \
        uint16_t sw;                                                         \
        TYPE in = (TYPE)mem;                                                 \
        (void)a;                                                             \
        (void)b;                                                             \
        __asm__ volatile("fninit\n\t"                                        \
                         "fldcw %[cw]\n\t" INSN " %[in]\n\t"                 \
                         "fnstsw %[sw]\n\t"                                  \
                         "fnclex\n\t"                                        \
                         "fstpt %[r1]\n\t"                                   \
                         "fninit\n\t"                                        \
                         : [sw] "=m"(sw), [r1] "=m"(*r1)                     \
                         : [cw] "m"(cw), [in] "m"(in)                        \
                         : "memory");                                        \
        r2->se = 0;                                                          \
        r2->m = 0;                                                           \
        return sw;                                                           \
    }

/* Register forms with ST(0) as destination: ST(0) = ST(0) op ST(1). */
STACK_OP(op_add, "fadd %%st(1), %%st")
STACK_OP(op_sub, "fsub %%st(1), %%st")
STACK_OP(op_mul, "fmul %%st(1), %%st")
STACK_OP(op_div, "fdiv %%st(1), %%st")
STACK_OP(op_sqrt, "fsqrt")
STACK_OP(op_prem, "fprem")
STACK_OP(op_prem1, "fprem1")
STACK_OP(op_rndint, "frndint")
STACK_OP(op_scale, "fscale")
STACK_OP(op_xtract, "fxtract")
STACK_OP(op_abs, "fabs")
STACK_OP(op_chs, "fchs")
STACK_OP(op_com, "fcom %%st(1)")
STACK_OP(op_ucom, "fucom %%st(1)")
STACK_OP(op_tst, "ftst")
STACK_OP(op_xam, "fxam")
STACK_OP(op_sin, "fsin")
STACK_OP(op_cos, "fcos")
STACK_OP(op_sincos, "fsincos")
STACK_OP(op_ptan, "fptan")
STACK_OP(op_patan, "fpatan")
STACK_OP(op_2xm1, "f2xm1")
STACK_OP(op_yl2x, "fyl2x")
STACK_OP(op_yl2xp1, "fyl2xp1")

STORE_OP(op_st32, "fsts", uint32_t)
STORE_OP(op_st64, "fstl", uint64_t)
STORE_OP(op_ist16, "fists", int16_t)
STORE_OP(op_ist32, "fistl", int32_t)
STORE_OP(op_ist64, "fistpll", int64_t)
STORE_OP(op_istt16, "fisttps", int16_t)
STORE_OP(op_istt32, "fisttpl", int32_t)
STORE_OP(op_istt64, "fisttpll", int64_t)

LOAD_OP(op_ld32, "flds", uint32_t)
LOAD_OP(op_ld64, "fldl", uint64_t)
LOAD_OP(op_ild16, "filds", int16_t)
LOAD_OP(op_ild32, "fildl", int32_t)
LOAD_OP(op_ild64, "fildll", int64_t)

static const op ops[] = {
    {"add", op_add},       {"sub", op_sub},         {"mul", op_mul},
    {"div", op_div},       {"sqrt", op_sqrt},       {"prem", op_prem},
    {"prem1", op_prem1},   {"rndint", op_rndint},   {"scale", op_scale},
    {"xtract", op_xtract}, {"abs", op_abs},         {"chs", op_chs},
    {"com", op_com},       {"ucom", op_ucom},       {"tst", op_tst},
    {"xam", op_xam},       {"sin", op_sin},         {"cos", op_cos},
    {"sincos", op_sincos}, {"ptan", op_ptan},       {"patan", op_patan},
    {"2xm1", op_2xm1},     {"yl2x", op_yl2x},       {"yl2xp1", op_yl2xp1},
    {"st32", op_st32},     {"st64", op_st64},       {"ist16", op_ist16},
    {"ist32", op_ist32},   {"ist64", op_ist64},     {"istt16", op_istt16},
    {"istt32", op_istt32}, {"istt64", op_istt64},   {"ld32", op_ld32},
    {"ld64", op_ld64},     {"ild16", op_ild16},     {"ild32", op_ild32},
    {"ild64", op_ild64},
};

static int parse_hex(const char *s, uint64_t *hi, uint64_t *lo) {
    size_t n = strlen(s);
    *hi = 0;
    *lo = 0;
    if (n == 0 || n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        *hi = (*hi << 4) | (*lo >> 60);
        *lo = (*lo << 4) | (uint64_t)d;
    }
    return 0;
}

int main(void) {
    char line[256], name[32], sa[32], sb[32];
    unsigned cw;
    while (fgets(line, sizeof line, stdin)) {
        f80 a, b, r1 = {0, 0}, r2 = {0, 0};
        uint64_t hi, lo;
        const op *o = NULL;
        if (sscanf(line, "%31s %x %31s %31s", name, &cw, sa, sb) != 4) {
            printf("error bad-line\n");
            continue;
        }
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
            if (strcmp(ops[i].name, name) == 0)
                o = &ops[i];
        if (o == NULL) {
            printf("error unknown-op %s\n", name);
            continue;
        }
        if (parse_hex(sa, &hi, &lo) != 0) {
            printf("error bad-operand\n");
            continue;
        }
        a.se = (uint16_t)hi;
        a.m = lo;
        uint64_t mem = lo;
        if (parse_hex(sb, &hi, &lo) != 0) {
            printf("error bad-operand\n");
            continue;
        }
        b.se = (uint16_t)hi;
        b.m = lo;
        uint16_t sw = o->fn((uint16_t)cw, &a, &b, mem, &r1, &r2);
        printf("%04x%016llx %04x%016llx %04x\n", r1.se,
               (unsigned long long)r1.m, r2.se, (unsigned long long)r2.m, sw);
    }
    return 0;
}
