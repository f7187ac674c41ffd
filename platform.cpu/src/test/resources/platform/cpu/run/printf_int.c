/* cpu-run end-to-end: printf and friends with integers of every size, flags, widths and precisions. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

int main(void) {
    int ints[] = {0, 1, -1, 7, -42, 255, 1000, 65535, 123456789, INT_MAX, INT_MIN};
    for (unsigned k = 0; k < sizeof ints / sizeof ints[0]; k++) {
        int v = ints[k];
        printf("[%d] [%i] [%u] [%x] [%X] [%o] [%5d] [%-5d|] [%+d] [% d] [%05d] [%#x] [%#o] [%.3d] [%*d] [%-*d|]\n",
               v, v, (unsigned) v, (unsigned) v, (unsigned) v, (unsigned) v, v, v, v, v, v, (unsigned) v,
               (unsigned) v, v, 8, v, 8, v);
    }
    long long lls[] = {0, 1, -1, LLONG_MAX, LLONG_MIN, 1234567890123456789LL, -987654321987654321LL};
    for (unsigned k = 0; k < sizeof lls / sizeof lls[0]; k++) {
        long long v = lls[k];
        printf("%lld %llu %llx %llo %20lld|%-20lld|\n", v, (unsigned long long) v, (unsigned long long) v,
               (unsigned long long) v, v, v);
    }
    printf("%llu %lu %zu %zd %jd %ju\n", ULLONG_MAX, ULONG_MAX, (size_t) -1, (ssize_t) -5, (intmax_t) INTMAX_MIN,
           (uintmax_t) UINTMAX_MAX);
    printf("%hhd %hhu %hd %hu %hhx %hx\n", (signed char) -3, (unsigned char) 250, (short) -30000,
           (unsigned short) 60000, (unsigned char) 0xAB, (unsigned short) 0xBEEF);
    printf("%c%c%c %s|%10s|%-10s|%.2s|%%\n", 'a', 'B', '!', "str", "right", "left", "truncate");
    char buf[64];
    int n = snprintf(buf, sizeof buf, "%d-%x-%s", 99, 0xfe, "z");
    printf("snprintf %d \"%s\"\n", n, buf);
    volatile size_t five = 5;
    n = snprintf(buf, five, "%s", "overflowing");
    printf("truncated %d \"%s\"\n", n, buf);
    unsigned long long sum = 0;
    for (int i = 0; i < 2000; i++) {
        n = sprintf(buf, "%d:%x:%o", i * 7919, i * 31337u, i);
        sum = sum * 31 + n + (unsigned char) buf[n - 1];
    }
    printf("sprintf checksum %llu\n", sum);
    int a, b;
    char word[16];
    n = sscanf("  12 0x1f  hello", "%d %x %15s", &a, &b, word);
    printf("sscanf %d %d %d %s\n", n, a, b, word);
    return 0;
}
