package kernel.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class CommandLineTest {
    @Test
    void splitsAtTopLevelSemicolonsAndTrims() {
        assertEquals(List.of("lsblk", "mount -t vfat vda /mnt", "ls /mnt"),
                CommandLine.split("  lsblk ;mount -t vfat vda /mnt;   ls /mnt  "));
    }

    @Test
    void emptyAndBlankCommandsAreDropped() {
        assertEquals(List.of(), CommandLine.split(""));
        assertEquals(List.of(), CommandLine.split(" ; ;;  "));
        assertEquals(List.of("a", "b"), CommandLine.split(";a;;  ;b;"));
    }

    @Test
    void semicolonsInsideQuotesAreKept() {
        assertEquals(List.of("echo 'a;b'", "echo \"c;d\""), CommandLine.split("echo 'a;b'; echo \"c;d\""));
        assertEquals(List.of("echo \"it's; fine\"", "x"), CommandLine.split("echo \"it's; fine\"; x"));
        assertEquals(List.of("echo 'say \"hi;\"'"), CommandLine.split("echo 'say \"hi;\"'"));
    }

    @Test
    void escapedQuotesDoNotEndTheString() {
        assertEquals(List.of("echo \"a\\\";b\"", "c"), CommandLine.split("echo \"a\\\";b\"; c"));
        assertEquals(List.of("echo 'x\\';y'"), CommandLine.split("echo 'x\\';y'"));
    }

    @Test
    void semicolonsInsideBracketsAreKept() {
        assertEquals(List.of("each [1 2] { echo $it; echo again }", "ls"),
                CommandLine.split("each [1 2] { echo $it; echo again }; ls"));
        assertEquals(List.of("a (b; [c; {d;}]; e)", "f"), CommandLine.split("a (b; [c; {d;}]; e); f"));
    }

    @Test
    void strayClosingBracketDoesNotSwallowTheRest() {
        assertEquals(List.of("a )", "b"), CommandLine.split("a ); b"));
    }

    @Test
    void unterminatedQuoteOrBracketKeepsTheRestAsOneCommand() {
        assertEquals(List.of("echo 'a; b"), CommandLine.split("echo 'a; b"));
        assertEquals(List.of("x { a; b"), CommandLine.split("x { a; b"));
    }
}
