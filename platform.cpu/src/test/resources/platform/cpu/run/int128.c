/* cpu-run end-to-end: __int128 arithmetic (libgcc's 128-bit division included), printed by hand. */
#include <stdio.h>

typedef unsigned __int128 u128;
typedef __int128 s128;

static void put(u128 v) {
    char b[48];
    int n = 0;
    do { b[n++] = '0' + (int) (v % 10); v /= 10; } while (v);
    while (n) putchar(b[--n]);
}
static void puts128(s128 v) {
    if (v < 0) { putchar('-'); put(-(u128) v); } else put((u128) v);
}

int main(void) {
    u128 f = 1;
    for (int i = 1; i <= 34; i++) {
        f *= i;
        printf("%d! = ", i); put(f); putchar('\n');
    }
    u128 a = 0, b = 1;
    for (int i = 0; i < 180; i++) { u128 t = a + b; a = b; b = t; }
    printf("fib = "); put(a); putchar('\n');
    u128 big = ~(u128) 0;
    printf("max = "); put(big); putchar('\n');
    printf("max / 3 = "); put(big / 3); printf(" rem "); put(big % 3); putchar('\n');
    u128 x = ((u128) 0x0123456789abcdefULL << 64) | 0xfedcba9876543210ULL;
    u128 y = 0x1000000000000001ULL;
    printf("x / y = "); put(x / y); printf(" x %% y = "); put(x % y); putchar('\n');
    printf("x >> 67 = "); put(x >> 67); printf(" x << 13 = "); put(x << 13); putchar('\n');
    s128 n = -((s128) 1 << 100) + 12345;
    printf("n = "); puts128(n); printf(" n / 7 = "); puts128(n / 7); printf(" n %% 7 = "); puts128(n % 7); putchar('\n');
    printf("n >> 3 = "); puts128(n >> 3); printf(" n * -3 = "); puts128(n * -3); putchar('\n');
    printf("cmp %d %d %d\n", x > y, n < 0, (s128) x > n);
    unsigned long long hi = 0xffffffffffffffffULL, lo = 0xfffffffffffffffeULL;
    u128 prod = (u128) hi * lo;
    printf("64x64 = %016llx%016llx\n", (unsigned long long) (prod >> 64), (unsigned long long) prod);
    return 0;
}
