/* cpu-run end-to-end: arguments, atexit handlers and a nonzero exit status. */
#include <stdio.h>
#include <stdlib.h>

static void bye(void) { printf("atexit handler ran\n"); }

int main(int argc, char **argv) {
    atexit(bye);
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++) printf("argv[%d] = \"%s\"\n", i, argv[i]);
    fflush(stdout);
    fprintf(stderr, "to stderr\n");
    if (argc > 1) exit(argc + 40);
    return 3;
}
