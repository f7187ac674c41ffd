/* cpu-run end-to-end: setjmp and longjmp out of nested calls, preserving locals that are volatile. */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static int depth;

static void dive(int n) {
    depth = n;
    if (n == 0) longjmp(env, 42);
    if (n > 1000) return;
    dive(n - 1);
    printf("never printed\n");
}

static jmp_buf loop_env;
static int loops(void) {
    volatile int count = 0;
    int r = setjmp(loop_env);
    count++;
    if (r < 5) longjmp(loop_env, r + 1);
    return count * 100 + r;
}

int main(void) {
    volatile int local = 7;
    int r = setjmp(env);
    if (r == 0) {
        local = 8;
        dive(50);
    }
    printf("returned %d depth %d local %d\n", r, depth, local);
    printf("loops %d\n", loops());
    jmp_buf inner;
    volatile double x = 1.5;
    if (setjmp(inner) == 0) {
        x *= 3;
        longjmp(inner, 0);
    }
    printf("longjmp(0) gives 1: x %.2f\n", x);
    return 0;
}
