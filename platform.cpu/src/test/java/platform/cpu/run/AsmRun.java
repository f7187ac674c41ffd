package platform.cpu.run;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import platform.cpu.internal.run.CpuRun;
import platform.cpu.internal.run.UserProcess;

/** Test fixture: runs a few lines of assembly as a static executable under the runner, in-process. */
final class AsmRun {
    private static final AtomicInteger COUNT = new AtomicInteger();

    private AsmRun() {}

    /** Writes {@code image} to target/cpu-run/asm and returns its path. */
    static Path write(byte[] image) {
        try {
            Path dir = Files.createDirectories(Tools.DIR.resolve("asm"));
            Path f = dir.resolve("prog" + COUNT.incrementAndGet());
            Files.write(f, image);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Assembles {@code asm} (see {@link ElfImage#PRELUDE}) and runs it with {@code args}. */
    static Tools.Run run(String asm, String... args) {
        return exec(write(ElfImage.program(asm).build()), args);
    }

    static Tools.Run exec(Path binary, String... args) {
        List<String> argv = new ArrayList<>();
        argv.add(binary.toString());
        argv.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        UserProcess.Outcome r = CpuRun.exec(new CpuRun.Options(binary, argv, List.of("A=1", "B=two"), 64L << 20,
                10_000_000, false), out, err);
        return new Tools.Run(out.toByteArray(), err.toByteArray(), r.status(), r.message(), r.instructions());
    }
}
