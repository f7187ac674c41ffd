/* cpu-run end-to-end: malloc, calloc, realloc and free under load, small to multi-megabyte blocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long seed = 12345;
static unsigned rnd(void) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned) (seed >> 33);
}

#define SLOTS 256

int main(void) {
    unsigned char *p[SLOTS] = {0};
    size_t sz[SLOTS] = {0};
    unsigned long long check = 0;
    for (int round = 0; round < 6000; round++) {
        int i = rnd() % SLOTS;
        if (p[i]) {
            for (size_t k = 0; k < sz[i]; k += 61) {
                if (p[i][k] != (unsigned char) (i + k)) {
                    printf("corrupted block %d at %zu\n", i, k);
                    return 1;
                }
            }
            check += sz[i];
            if (rnd() % 4 == 0) {
                size_t n = rnd() % 3000 + 1;
                unsigned char *q = realloc(p[i], n);
                if (!q) return 2;
                for (size_t k = 0; k < n; k++) q[k] = (unsigned char) (i + k);
                p[i] = q;
                sz[i] = n;
            } else {
                free(p[i]);
                p[i] = NULL;
            }
        } else {
            unsigned r = rnd();
            size_t n = r % 8 == 0 ? r % 200000 + 1 : r % 8 == 1 ? 16 : r % 700 + 1;
            p[i] = (r % 5 == 0) ? calloc(n, 1) : malloc(n);
            if (!p[i]) return 3;
            if (r % 5 == 0) {
                for (size_t k = 0; k < n; k++) {
                    if (p[i][k] != 0) {
                        printf("calloc not zero\n");
                        return 4;
                    }
                }
            }
            for (size_t k = 0; k < n; k++) p[i][k] = (unsigned char) (i + k);
            sz[i] = n;
        }
    }
    for (int i = 0; i < SLOTS; i++) free(p[i]);
    /* big blocks: above the mmap threshold */
    for (int k = 1; k <= 8; k++) {
        size_t n = (size_t) k << 20;
        char *b = malloc(n);
        if (!b) return 5;
        memset(b, k, n);
        b = realloc(b, n * 2);
        if (!b) return 6;
        memset(b + n, k + 1, n);
        unsigned long long s = 0;
        for (size_t j = 0; j < 2 * n; j += 4096) s += (unsigned char) b[j];
        printf("big %d: %llu\n", k, s);
        free(b);
    }
    void *huge = malloc((size_t) 1 << 62);
    printf("huge malloc %s\n", huge ? "succeeded" : "failed");
    printf("checksum %llu\n", check);
    return 0;
}
