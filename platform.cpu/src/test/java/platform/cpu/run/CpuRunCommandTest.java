package platform.cpu.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import platform.cpu.internal.run.CpuRun;

/** The cpu-run command line: options, exit statuses for files that cannot run, the message and stats lines. */
class CpuRunCommandTest {
    record Result(int status, String out, String err) {}

    static Result main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = CpuRun.main(args, out, err);
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static Path hello() {
        return AsmRun.write(ElfImage.program("""
                mov edi, 1
                lea rsi, [rel msg]
                mov edx, 3
                SYS 1
                mov edi, 5
                SYS 60
                msg: db "hi", 10
                """).build());
    }

    @Test
    void runsAProgramAndReportsStatistics() {
        Result r = main(hello().toString());
        assertEquals(5, r.status());
        assertEquals("hi\n", r.out());
        assertTrue(r.err().matches("cpu-run: 8 instructions in \\d+\\.\\d{3} s \\(\\d+\\.\\d MIPS\\)\n"), r.err());
    }

    @Test
    void usageErrors() {
        assertEquals(2, main().status());
        assertTrue(main().err().startsWith("usage: cpu-run"));
        Result bad = main("--frobnicate", "x");
        assertEquals(2, bad.status());
        assertTrue(bad.err().startsWith("cpu-run: unknown option --frobnicate"), bad.err());
        assertEquals(2, main("--memory", "1M", "x").status());
        assertEquals(2, main("--memory").status());
        assertEquals(2, main("--max-instructions", "lots", "x").status());
    }

    @Test
    void filesThatCannotRun() throws IOException {
        Result missing = main("/nonexistent/program");
        assertEquals(127, missing.status());
        assertEquals("cpu-run: /nonexistent/program: No such file or directory\n", missing.err());
        Path dir = Files.createDirectories(Tools.DIR.resolve("a-directory"));
        assertEquals(126, main(dir.toString()).status());
        Path script = Tools.DIR.resolve("script.sh");
        Files.writeString(script, "#!/bin/sh\necho hi\n");
        Result notElf = main(script.toString());
        assertEquals(126, notElf.status());
        assertEquals("cpu-run: " + script + ": not an ELF file\n", notElf.err());
    }

    @Test
    void dynamicExecutablesAreRefusedClearly() {
        Path ls = Path.of("/bin/ls");
        if (Files.isReadable(ls)) {
            Result r = main(ls.toString());
            assertEquals(126, r.status());
            assertTrue(r.err().contains("dynamically linked"), r.err());
        }
    }

    @Test
    void optionsBeforeTheBinary() {
        Path loop = AsmRun.write(ElfImage.program("jmp $\n").build());
        Result r = main("--max-instructions", "1000", "--memory", "32M", "--", loop.toString());
        assertEquals(124, r.status());
        assertTrue(r.err().startsWith("cpu-run: instruction limit of 1000 reached"), r.err());
        Result traced = main("--strace", hello().toString());
        assertTrue(traced.err().contains("cpu-run: write(0x1, 0x"), traced.err());
        assertTrue(traced.err().contains("cpu-run: exit(0x5, "), traced.err());
    }
}
