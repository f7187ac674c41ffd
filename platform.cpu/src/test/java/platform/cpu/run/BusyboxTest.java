package platform.cpu.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End to end: applets of Debian's static busybox that need no files print the same bytes on
 * stdout and exit with the same status under cpu-run as natively. Verdicts go to
 * target/cpu-run/busybox.txt.
 */
class BusyboxTest {
    private static final Report REPORT = new Report("busybox");

    static Stream<Arguments> applets() {
        return Stream.of(
                List.of("echo", "hello", "world"),
                List.of("echo", "-n", "no newline"),
                List.of("echo", "-e", "tab\\there\\nnext\\c"),
                List.of("true"),
                List.of("false"),
                List.of("expr", "6", "*", "7"),
                List.of("expr", "100", "/", "7", "%", "4"),
                List.of("expr", "length", "hello world"),
                List.of("expr", "substr", "abcdef", "2", "3"),
                List.of("expr", "3", "<", "2"),
                List.of("expr", "9223372036854775807", "-", "1"),
                List.of("seq", "10"),
                List.of("seq", "5", "-1", "1"),
                List.of("seq", "-s", ",", "1", "5"),
                List.of("seq", "-w", "8", "11"),
                List.of("seq", "0.5", "0.25", "2"),
                List.of("printf", "%d %s %x %o\\n", "42", "hi", "255", "8"),
                List.of("printf", "%5.2f|%e|%g|%-6s|\\n", "3.14159", "12345.678", "0.0001", "ab"),
                List.of("printf", "%s\\n", "a", "b", "c"),
                List.of("factor", "1234567890", "600851475143", "9999999967"),
                List.of("factor", "18446744073709551615"),
                List.of("basename", "/usr/lib/libc.so.6", ".6"),
                List.of("basename", "/a/b/"),
                List.of("dirname", "/a/b/c"),
                List.of("test", "1", "-lt", "2"),
                List.of("test", "abc", "=", "abd"),
                List.of("printenv", "HOME"),
                List.of("uname", "-m"),
                List.of("seq", "1", "3000"),
                List.of("seq", "1", "100000"),
                List.of("printf", "%08.3f|%-+5d|%#o|%c\\n", "3.14159", "42", "8", "65"),
                List.of("printf", "%x %X %u\\n", "-1", "255", "-2"),
                List.of("expr", "abc", ":", "a\\(.\\)"),
                List.of("factor", "4611686018427387903"),
                List.of("expr", "123456789", "*", "987654321"),
                List.of("dc", "-e", "2 3 + 7 * p"),
                List.of("cal", "2", "2000"),
                List.of("ipcalc", "-b", "-n", "192.168.1.77/20"),
                List.of("env"),
                List.of("sleep", "0.05"),
                List.of("usleep", "1000"),
                List.of("basename", "--help"))
                .map(a -> Arguments.of(String.join(" ", a), a));
    }

    @ParameterizedTest(name = "busybox {0}")
    @MethodSource("applets")
    void sameOutputAndStatusAsNative(String name, List<String> args) {
        Path bin = Tools.busybox();
        Tools.Run nat = Tools.runNative(bin, args);
        Tools.Run emu = Tools.runEmulated(bin, args);
        REPORT.add(name, Report.verdict(nat, emu));
        assertNull(emu.message(), () -> "the run stopped: " + emu.message() + "\nstdout so far:\n" + emu.out());
        assertEquals(nat.status(), emu.status(), "exit status");
        assertArrayEquals(nat.stdout(), emu.stdout(), () -> "stdout: " + Report.firstDifference(nat.out(), emu.out()));
    }

    @AfterAll
    static void report() {
        REPORT.write();
    }
}
