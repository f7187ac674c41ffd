/*
 * diffrunner: runs x86-64 code snippets on the host CPU for the differential tests of
 * platform.cpu (see platform.cpu.diff.Differential, which compiles this file with gcc into
 * target/ and talks to one long-lived process). Linux x86-64 only.
 *
 * Address space of a case (the emulator side builds the same one):
 *   CODE   0x40000000  the current snippet, read+execute, its length rounded up to pages
 *   DATA   0x10000000  the case's data, read+write, no execute; its length (a multiple of
 *                      4 KiB, at most 1 MiB) is given per case; the rest of the 1 MiB
 *                      reservation is PROT_NONE, so the page after the data faults
 *   RODATA 0x20000000  one read-only page; byte k = (k * 37 + 11) & 0xFF
 *
 * A case loads every GPR, RFLAGS (arithmetic flags and DF only), the FS and GS bases (with
 * arch_prctl; FS is the runner's TLS pointer, so the signal handler restores it before any C
 * code runs and the file is built without stack protector), and the FXSAVE image (x87,
 * MXCSR, XMM0-15) with FXRSTOR, then jumps to its entry. It ends at the first exception
 * that reaches us as a signal: normally the INT3 the Java side appends to every snippet
 * (#BP), or a fault (#DE, #UD, #GP, #PF, ...). The signal handler (on an alternate stack,
 * so the snippet's RSP may be anything) takes the whole register state from the signal
 * frame: GPRs, RIP, RFLAGS, trap number, error code, CR2, and the FXSAVE image. A case that
 * runs longer than its time limit is stopped by SIGALRM.
 *
 * Protocol on stdin/stdout, binary, little-endian, one reply per request:
 *   'C' u32 len, len bytes  -> u32 0 (maps the code at CODE; at most 16 MiB)
 *   'R' struct req, data_len bytes of data
 *                           -> struct resp, then the data that changed as 64-byte chunks
 *                              (u32 offset, 64 bytes) ..., then u32 0xFFFFFFFF
 * EOF on stdin ends the process with status 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

#define CODE 0x40000000UL
#define CODE_MAX (16UL << 20)
#define DATA 0x10000000UL
#define DATA_MAX (1UL << 20)
#define RODATA 0x20000000UL
#define PAGE 4096UL
#define CHUNK 64

struct req {
    uint64_t gpr[16]; /* by encoding: rax rcx rdx rbx rsp rbp rsi rdi r8..r15 */
    uint64_t rflags;
    uint64_t entry;
    uint64_t fs_base, gs_base;
    uint32_t data_len;
    uint32_t timeout_ms;
    uint8_t fx[512];
};

struct resp {
    uint32_t status; /* 0: an exception ended the case; 1: time limit */
    uint32_t signo;
    int32_t sicode;
    uint32_t pad;
    uint64_t trapno, err, cr2, siaddr;
    uint64_t gpr[16];
    uint64_t rip, rflags;
    uint8_t fx[512];
};

/* read by the entry code below */
__attribute__((used, aligned(64))) static uint64_t g_regs[17];
__attribute__((used, aligned(64))) static uint8_t g_fx[512];
__attribute__((used)) static uint64_t g_entry;
__attribute__((used)) static uint64_t g_fs, g_gs;      /* the case's FS and GS bases */
__attribute__((used)) static uint64_t g_host_fs;       /* the runner's own FS base (TLS) */

static sigjmp_buf g_env;
static volatile sig_atomic_t g_in_case;
static struct resp g_resp;
static size_t g_code_len;
static size_t g_data_len;
static uint8_t g_data_init[DATA_MAX];

/* enter_case: loads the state in g_regs/g_fx and jumps to g_entry; never returns. */
void enter_case(void);
__asm__(
    ".text\n"
    ".globl enter_case\n"
    "enter_case:\n"
    "  mov $158, %eax\n"          /* arch_prctl(ARCH_SET_GS, g_gs) */
    "  mov $0x1001, %edi\n"
    "  mov g_gs(%rip), %rsi\n"
    "  syscall\n"
    "  mov $158, %eax\n"          /* arch_prctl(ARCH_SET_FS, g_fs): no TLS from here on */
    "  mov $0x1002, %edi\n"
    "  mov g_fs(%rip), %rsi\n"
    "  syscall\n"
    "  fxrstor64 g_fx(%rip)\n"
    "  pushq g_regs+128(%rip)\n"
    "  popfq\n"
    "  mov g_regs+8(%rip), %rcx\n"
    "  mov g_regs+16(%rip), %rdx\n"
    "  mov g_regs+24(%rip), %rbx\n"
    "  mov g_regs+40(%rip), %rbp\n"
    "  mov g_regs+48(%rip), %rsi\n"
    "  mov g_regs+56(%rip), %rdi\n"
    "  mov g_regs+64(%rip), %r8\n"
    "  mov g_regs+72(%rip), %r9\n"
    "  mov g_regs+80(%rip), %r10\n"
    "  mov g_regs+88(%rip), %r11\n"
    "  mov g_regs+96(%rip), %r12\n"
    "  mov g_regs+104(%rip), %r13\n"
    "  mov g_regs+112(%rip), %r14\n"
    "  mov g_regs+120(%rip), %r15\n"
    "  mov g_regs+32(%rip), %rsp\n"
    "  mov g_regs+0(%rip), %rax\n"
    "  jmp *g_entry(%rip)\n");

static void die(const char *what) {
    fprintf(stderr, "diffrunner: %s: %s\n", what, strerror(errno));
    exit(2);
}

/* Records the interrupted state from the signal frame and returns to run_case. */
static void on_signal(int sig, siginfo_t *si, void *ucv) {
    /* first of all, give the runner its TLS back (the case may have run with another FS base) */
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(158), "D"(0x1002), "S"(g_host_fs)
                     : "rcx", "r11", "memory");
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(158), "D"(0x1001), "S"(0)
                     : "rcx", "r11", "memory");
    (void) ret;
    if (!g_in_case) { /* a fault in the runner itself: die with the default action */
        signal(sig, SIG_DFL);
        return;
    }
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    static const int order[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                  REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
    g_resp.status = sig == SIGALRM ? 1 : 0;
    g_resp.signo = sig;
    g_resp.sicode = si->si_code;
    g_resp.trapno = g[REG_TRAPNO];
    g_resp.err = g[REG_ERR];
    g_resp.cr2 = g[REG_CR2];
    g_resp.siaddr = (uint64_t) si->si_addr;
    for (int k = 0; k < 16; k++) {
        g_resp.gpr[k] = g[order[k]];
    }
    g_resp.rip = g[REG_RIP];
    g_resp.rflags = g[REG_EFL];
    memcpy(g_resp.fx, uc->uc_mcontext.fpregs, 512);
    g_in_case = 0;
    siglongjmp(g_env, 1);
}

static void setup_signals(void) {
    static uint8_t altstack[1 << 18];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        die("sigaltstack");
    }
    int sigs[] = {SIGTRAP, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGALRM};
    for (unsigned k = 0; k < sizeof sigs / sizeof sigs[0]; k++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_signal;
        sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
        sigfillset(&sa.sa_mask);
        if (sigaction(sigs[k], &sa, NULL) != 0) {
            die("sigaction");
        }
    }
}

static void setup_memory(void) {
    if (mmap((void *) DATA, DATA_MAX, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0)
        != (void *) DATA) {
        die("mmap DATA");
    }
    uint8_t *ro = mmap((void *) RODATA, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                       -1, 0);
    if (ro != (void *) RODATA) {
        die("mmap RODATA");
    }
    for (unsigned k = 0; k < PAGE; k++) {
        ro[k] = (uint8_t) (k * 37 + 11);
    }
    if (mprotect(ro, PAGE, PROT_READ) != 0) {
        die("mprotect RODATA");
    }
}

static int read_full(void *p, size_t n) {
    uint8_t *b = p;
    while (n > 0) {
        ssize_t r = read(0, b, n);
        if (r == 0) {
            return 0;
        }
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("read");
        }
        b += r;
        n -= r;
    }
    return 1;
}

static uint8_t g_out[sizeof(struct resp) + (DATA_MAX / CHUNK) * (4 + CHUNK) + 4];
static size_t g_outlen;

static void put(const void *p, size_t n) {
    memcpy(g_out + g_outlen, p, n);
    g_outlen += n;
}

static void flush_out(void) {
    uint8_t *b = g_out;
    size_t n = g_outlen;
    while (n > 0) {
        ssize_t w = write(1, b, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("write");
        }
        b += w;
        n -= w;
    }
    g_outlen = 0;
}

/* 'C': replaces the code at CODE. */
static uint32_t set_code(uint32_t len) {
    if (g_code_len != 0) {
        munmap((void *) CODE, g_code_len);
        g_code_len = 0;
    }
    size_t maplen = (len + PAGE - 1) & ~(PAGE - 1);
    if (maplen == 0) {
        maplen = PAGE;
    }
    if (len > CODE_MAX) {
        fprintf(stderr, "diffrunner: code too long (%u bytes)\n", len);
        exit(2);
    }
    uint8_t *c = mmap((void *) CODE, maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                      -1, 0);
    if (c != (void *) CODE) {
        die("mmap CODE");
    }
    g_code_len = maplen;
    if (!read_full(c, len)) {
        exit(0);
    }
    if (mprotect(c, maplen, PROT_READ | PROT_EXEC) != 0) {
        die("mprotect CODE");
    }
    return 0;
}

/* Makes [DATA, DATA+len) read+write and the rest of the reservation inaccessible. */
static void set_data_len(size_t len) {
    if (len == g_data_len) {
        return;
    }
    if (len > 0 && mprotect((void *) DATA, len, PROT_READ | PROT_WRITE) != 0) {
        die("mprotect DATA");
    }
    if (len < DATA_MAX && mprotect((void *) (DATA + len), DATA_MAX - len, PROT_NONE) != 0) {
        die("mprotect DATA tail");
    }
    g_data_len = len;
}

/* 'R': runs one case and writes the reply. */
static void run_case(void) {
    static struct req rq;
    if (!read_full(&rq, sizeof rq)) {
        exit(0);
    }
    if (rq.data_len > DATA_MAX || (rq.data_len & (PAGE - 1)) != 0) {
        fprintf(stderr, "diffrunner: bad data length %u\n", rq.data_len);
        exit(2);
    }
    set_data_len(rq.data_len);
    if (!read_full(g_data_init, rq.data_len)) {
        exit(0);
    }
    memcpy((void *) DATA, g_data_init, rq.data_len);
    memcpy(g_regs, rq.gpr, sizeof rq.gpr);
    g_regs[16] = (rq.rflags & 0xCD5) | 0x202; /* CF PF AF ZF SF OF DF; IF and bit 1 */
    memcpy(g_fx, rq.fx, 512);
    g_entry = rq.entry;
    g_fs = rq.fs_base;
    g_gs = rq.gs_base;
    memset(&g_resp, 0, sizeof g_resp);

    struct itimerval it = {{0, 0}, {rq.timeout_ms / 1000, (rq.timeout_ms % 1000) * 1000}};
    if (sigsetjmp(g_env, 1) == 0) {
        g_in_case = 1;
        setitimer(ITIMER_REAL, &it, NULL);
        enter_case();
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);

    put(&g_resp, sizeof g_resp);
    const uint8_t *now = (const uint8_t *) DATA;
    for (uint32_t o = 0; o < rq.data_len; o += CHUNK) {
        if (memcmp(now + o, g_data_init + o, CHUNK) != 0) {
            put(&o, 4);
            put(now + o, CHUNK);
        }
    }
    uint32_t end = 0xFFFFFFFFu;
    put(&end, 4);
    flush_out();
}

int main(void) {
    if (syscall(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &g_host_fs) != 0) {
        die("arch_prctl");
    }
    setup_signals();
    setup_memory();
    for (;;) {
        uint8_t cmd;
        if (!read_full(&cmd, 1)) {
            return 0;
        }
        if (cmd == 'C') {
            uint32_t len;
            if (!read_full(&len, 4)) {
                return 0;
            }
            uint32_t st = set_code(len);
            put(&st, 4);
            flush_out();
        } else if (cmd == 'R') {
            run_case();
        } else {
            fprintf(stderr, "diffrunner: bad command %d\n", cmd);
            return 2;
        }
    }
}
