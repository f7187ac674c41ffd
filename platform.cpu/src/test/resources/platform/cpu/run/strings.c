/* cpu-run end-to-end: string.h and stdlib string functions, at many lengths and alignments. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long hash(const void *p, size_t n) {
    const unsigned char *s = p;
    unsigned long h = 5381;
    for (size_t i = 0; i < n; i++) h = h * 33 + s[i];
    return h;
}

int main(void) {
    static char a[5000], b[5000], c[5000];
    unsigned long h = 0;
    for (int len = 0; len < 300; len += 7) {
        for (int al = 0; al < 16; al += 3) {
            for (int i = 0; i < len; i++) a[al + i] = 'a' + (i * 7 + len) % 26;
            a[al + len] = 0;
            h = h * 31 + strlen(a + al);
            strcpy(b + (al ^ 5), a + al);
            h = h * 31 + (strcmp(a + al, b + (al ^ 5)) == 0);
            memcpy(c + al, a + al, len + 1);
            h = h * 31 + (unsigned) memcmp(c + al, a + al, len + 1) + 7;
            if (len > 0) {
                c[al + len - 1] = 'Z';
                h = h * 31 + (strcmp(a + al, c + al) > 0) + 2 * (memcmp(a + al, c + al, len) > 0);
                h = h * 31 + (strncmp(a + al, c + al, len - 1) == 0);
                char *z = strchr(c + al, 'Z');
                h = h * 31 + (z ? (unsigned long) (z - (c + al)) : 999);
                h = h * 31 + (unsigned long) (memchr(c + al, 'Z', len) == z);
            }
            h = h * 31 + (strrchr(a + al, 'a') ? 1 : 0);
            memset(c + al, 'x', len);
            h = h * 31 + hash(c, sizeof c);
        }
    }
    printf("mixed hash %lu\n", h);
    /* overlapping moves */
    for (int i = 0; i < 100; i++) a[i] = (char) i;
    memmove(a + 10, a, 50);
    memmove(a, a + 20, 60);
    printf("memmove %lu\n", hash(a, 100));
    /* strstr, strspn, strcspn, strtok, strncpy, strcat */
    const char *hay = "the quick brown fox jumps over the lazy dog";
    printf("strstr %ld %ld %p\n", strstr(hay, "fox") - hay, strstr(hay, "the lazy") - hay, (void *) strstr(hay, "cat"));
    printf("strspn %zu strcspn %zu\n", strspn(hay, "the "), strcspn(hay, "xyz"));
    char tok[] = "a,b;;c,,d;e";
    for (char *t = strtok(tok, ",;"); t; t = strtok(NULL, ",;")) printf("[%s]", t);
    printf("\n");
    char nb[16];
    strncpy(nb, "abc", sizeof nb);
    printf("strncpy %s %d\n", nb, nb[15]);
    char cat[64] = "con";
    strcat(cat, "cate");
    volatile size_t six = 6;
    strncat(cat, "nation!!!", six);
    printf("strcat %s %zu\n", cat, strlen(cat));
    char *d = strdup(hay);
    for (char *p = d; *p; p++) *p = (char) toupper((unsigned char) *p);
    printf("upper %s\n", d);
    free(d);
    /* number conversions */
    char *end;
    printf("strtol %ld %ld %ld %lu\n", strtol("  -12345xyz", &end, 10), strtol("ff", NULL, 16), strtol("0777", NULL, 0),
           strtoul("18446744073709551615", NULL, 10));
    printf("end '%s' atoi %d atol %ld\n", end, atoi("42abc"), atol("-9999999999"));
    printf("strtoll %lld strtoull %llu\n", strtoll("-9223372036854775808", NULL, 10), strtoull("0x123456789abcdef", NULL, 16));
    /* long strings crossing pages */
    char *big = malloc(70000);
    for (int i = 0; i < 69999; i++) big[i] = 'A' + i % 23;
    big[69999] = 0;
    char *copy = malloc(70000);
    strcpy(copy, big);
    printf("big %zu %d %lu\n", strlen(copy), strcmp(big, copy), hash(copy, 70000));
    free(big);
    free(copy);
    return 0;
}
