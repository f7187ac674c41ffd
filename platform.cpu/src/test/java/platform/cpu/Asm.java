package platform.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Assembles x86-64 code with nasm (Debian's nasm package) into a flat binary, for tests.
 * A missing nasm is a test failure naming the package, under CI and elsewhere.
 */
public final class Asm {
    private Asm() {}

    /** Assembles {@code source} ("bits 64" is prepended) for loading at {@code org}. */
    public static byte[] assemble(String source, long org) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "asm"));
            Path src = Files.createTempFile(dir, "t", ".asm");
            Path bin = Path.of(src.toString().replace(".asm", ".bin"));
            Files.writeString(src, "bits 64\ndefault rel\norg 0x" + Long.toHexString(org) + "\n" + source + "\n");
            Process p;
            try {
                p = new ProcessBuilder("nasm", "-f", "bin", "-o", bin.toString(), src.toString())
                        .redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new AssertionError("nasm is not installed (apt-get install nasm): " + e.getMessage(), e);
            }
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError("nasm failed: " + out + "\n" + source);
            }
            byte[] code = Files.readAllBytes(bin);
            Files.deleteIfExists(src);
            Files.deleteIfExists(bin);
            return code;
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
