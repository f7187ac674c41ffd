/*
 * compute.c: a compute-bound benchmark for the CPU interpreter. Integer work (a prime
 * sieve, a hash over a buffer), floating point (an n-body step in doubles) and memory
 * (qsort of random integers), then a checksum on stdout so every run can be compared.
 * Usage: compute [SCALE]  (default 1; the work grows linearly)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

static long sieve(int n) {
    char *composite = calloc(n + 1, 1);
    long count = 0;
    for (long i = 2; i <= n; i++) {
        if (!composite[i]) {
            count++;
            for (long j = i * i; j <= n; j += i) composite[j] = 1;
        }
    }
    free(composite);
    return count;
}

static uint64_t hash(const unsigned char *p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 1099511628211ull; h = (h << 7) | (h >> 57); }
    return h;
}

static int cmp(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

#define NB 5
static double nbody(int steps) {
    double x[NB], y[NB], z[NB], vx[NB], vy[NB], vz[NB], m[NB];
    for (int i = 0; i < NB; i++) {
        x[i] = i; y[i] = i * 0.5; z[i] = -i * 0.25; vx[i] = vy[i] = vz[i] = 0; m[i] = 1.0 + i;
    }
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < NB; i++)
            for (int j = i + 1; j < NB; j++) {
                double dx = x[i] - x[j], dy = y[i] - y[j], dz = z[i] - z[j];
                double d2 = dx * dx + dy * dy + dz * dz + 0.01;
                double mag = 0.001 / (d2 * sqrt(d2));
                vx[i] -= dx * m[j] * mag; vy[i] -= dy * m[j] * mag; vz[i] -= dz * m[j] * mag;
                vx[j] += dx * m[i] * mag; vy[j] += dy * m[i] * mag; vz[j] += dz * m[i] * mag;
            }
        for (int i = 0; i < NB; i++) { x[i] += 0.001 * vx[i]; y[i] += 0.001 * vy[i]; z[i] += 0.001 * vz[i]; }
    }
    double e = 0;
    for (int i = 0; i < NB; i++) e += 0.5 * m[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
    return e;
}

int main(int argc, char **argv) {
    int scale = argc > 1 ? atoi(argv[1]) : 1;
    long primes = 0;
    uint64_t h = 0;
    double energy = 0;
    long sorted = 0;
    for (int round = 0; round < scale; round++) {
        primes += sieve(2000000);
        size_t n = 1 << 20;
        unsigned char *buf = malloc(n);
        for (size_t i = 0; i < n; i++) buf[i] = (unsigned char) next();
        h ^= hash(buf, n);
        free(buf);
        energy += nbody(100000);
        int count = 100000;
        int *a = malloc(count * sizeof *a);
        for (int i = 0; i < count; i++) a[i] = (int) next();
        qsort(a, count, sizeof *a, cmp);
        for (int i = 1; i < count; i++) sorted += a[i - 1] <= a[i];
        free(a);
    }
    printf("primes %ld hash %016llx energy %.9f sorted %ld\n", primes, (unsigned long long) h, energy, sorted);
    return 0;
}
