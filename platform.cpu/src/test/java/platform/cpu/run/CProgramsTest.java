package platform.cpu.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End to end: each C program in src/test/resources/platform/cpu/run, compiled with
 * {@code musl-gcc -static} and {@code gcc -static} at -O0 and -O2, prints the same bytes on
 * stdout and exits with the same status under cpu-run as natively. The verdicts (with the
 * instruction bytes of a #UD) go to target/cpu-run/c-programs.txt.
 */
class CProgramsTest {
    static final List<String> PROGRAMS = List.of("printf_int", "printf_float", "strings", "malloc", "qsort", "setjmp",
            "int128", "status");
    private static final Report REPORT = new Report("c-programs");

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String p : PROGRAMS) {
            for (String cc : List.of("musl-gcc", "gcc")) {
                for (String opt : List.of("-O0", "-O2")) {
                    all.add(Arguments.of(p, cc, opt));
                }
            }
        }
        return all.stream();
    }

    /** Arguments each program gets (status.c prints them and exits with argc + 40). */
    static List<String> args(String program) {
        return program.equals("status") ? List.of("one", "two words", "") : List.of();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void sameOutputAndStatusAsNative(String program, String cc, String opt) {
        Path bin = Tools.compile(program, cc, opt);
        Tools.Run nat = Tools.runNative(bin, args(program));
        Tools.Run emu = Tools.runEmulated(bin, args(program));
        REPORT.add(program + " " + cc + " " + opt, Report.verdict(nat, emu));
        assertNull(emu.message(), () -> "the run stopped: " + emu.message() + "\nstdout so far:\n" + emu.out());
        assertEquals(nat.status(), emu.status(), "exit status");
        assertArrayEquals(nat.stdout(), emu.stdout(), () -> "stdout: " + Report.firstDifference(nat.out(), emu.out()));
    }

    @AfterAll
    static void report() {
        REPORT.write();
    }
}
