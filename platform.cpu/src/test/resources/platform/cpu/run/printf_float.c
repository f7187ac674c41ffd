/* cpu-run end-to-end: printf of float, double and long double in %f %e %g %a forms. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    volatile double zero = 0.0;
    double ds[] = {0.0, -0.0, 1.0, -1.5, 0.1, 2.5, 3.14159265358979, 1e10, 1.0 / 3, 123456.789, 1e-5, 6.02214076e23,
                   1e300, 1e-300, DBL_MAX, DBL_MIN, 4.9406564584124654e-324, 0.5, 1.5, 2.5, 999999.5};
    for (unsigned k = 0; k < sizeof ds / sizeof ds[0]; k++) {
        double d = ds[k];
        printf("%f|%.0f|%.3f|%e|%.2e|%g|%.10g|%G|%a|%.17g|%12.4f|%-12.2e|%+g\n", d, d, d, d, d, d, d, d, d, d, d, d, d);
    }
    printf("%f %f %f %e %g\n", 1 / zero, -1 / zero, zero / zero, 1 / zero, -1 / zero);
    float fs[] = {0.1f, 1.0f / 3, 16777216.0f, 3.4e38f, 1e-40f};
    for (unsigned k = 0; k < sizeof fs / sizeof fs[0]; k++) {
        printf("%f %g %e %a\n", fs[k], fs[k], fs[k], fs[k]);
    }
    long double ls[] = {0.0L, 1.0L, 1.0L / 3, -2.5L, 3.14159265358979323846264338327950288L, 1e4000L, 1e-4000L,
                        LDBL_MAX, LDBL_MIN, 12345678901234567890.0L};
    for (unsigned k = 0; k < sizeof ls / sizeof ls[0]; k++) {
        long double l = ls[k];
        printf("%Lf|%.20Lf|%Le|%Lg|%.21Lg|%La\n", l, l, l, l, l, l);
    }
    double acc = 0;
    for (int i = 1; i <= 1000; i++) {
        acc += 1.0 / ((double) i * i);
    }
    printf("sum 1/i^2 = %.15f\n", acc);
    long double lacc = 0;
    for (int i = 1; i <= 1000; i++) {
        lacc += 1.0L / ((long double) i * i);
    }
    printf("long sum = %.18Lf\n", lacc);
    printf("strtod %.17g %.17g %.17g\n", strtod("2.718281828459045", 0), strtod("1e-310", 0), strtod("0x1.8p3", 0));
    printf("atof %g, (int) %d, (long) %ld, (double) %g\n", atof("-12.75"), (int) -12.75, (long) 3.99e15,
           (double) 9007199254740993LL);
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f", 2.0 / 3);
    printf("snprintf %s\n", buf);
    return 0;
}
