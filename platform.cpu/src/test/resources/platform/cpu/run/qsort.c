/* cpu-run end-to-end: qsort and bsearch over ints, doubles, strings and structs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *) a, y = *(const int *) b;
    return (x > y) - (x < y);
}
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}
static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *) a, *(char *const *) b);
}
struct rec { int key; char name[12]; double w; };
static int cmp_rec(const void *a, const void *b) {
    const struct rec *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return strcmp(x->name, y->name);
}

int main(void) {
    unsigned s = 1;
    enum { N = 5000 };
    static int v[N];
    for (int i = 0; i < N; i++) { s = s * 1103515245 + 12345; v[i] = (int) (s >> 8) % 100000 - 50000; }
    qsort(v, N, sizeof v[0], cmp_int);
    long long sum = 0;
    for (int i = 0; i < N; i++) sum += (long long) v[i] * (i + 1);
    printf("ints: %d %d %d weighted %lld\n", v[0], v[N / 2], v[N - 1], sum);
    int key = v[1234];
    int *found = bsearch(&key, v, N, sizeof v[0], cmp_int);
    printf("bsearch %d %s\n", key, found && *found == key ? "found" : "missing");
    static double d[N];
    for (int i = 0; i < N; i++) { s = s * 1103515245 + 12345; d[i] = (double) (s % 1000003) / 7.0 - 70000; }
    qsort(d, N, sizeof d[0], cmp_double);
    printf("doubles: %.6f %.6f %.6f\n", d[0], d[N / 2], d[N - 1]);
    static char names[1000][8];
    static char *ptr[1000];
    for (int i = 0; i < 1000; i++) {
        for (int j = 0; j < 7; j++) { s = s * 1103515245 + 12345; names[i][j] = 'a' + (s >> 16) % 26; }
        names[i][7] = 0;
        ptr[i] = names[i];
    }
    qsort(ptr, 1000, sizeof ptr[0], cmp_str);
    printf("strings: %s %s %s\n", ptr[0], ptr[500], ptr[999]);
    static struct rec r[2000];
    for (int i = 0; i < 2000; i++) {
        s = s * 1103515245 + 12345;
        r[i].key = (int) (s >> 20) % 50;
        snprintf(r[i].name, sizeof r[i].name, "n%u", (s >> 4) % 100000);
        r[i].w = i * 0.5;
    }
    qsort(r, 2000, sizeof r[0], cmp_rec);
    double w = 0;
    for (int i = 0; i < 2000; i++) w += r[i].w * (i % 7);
    printf("records: %d %s %d %s %.1f\n", r[0].key, r[0].name, r[1999].key, r[1999].name, w);
    return 0;
}
