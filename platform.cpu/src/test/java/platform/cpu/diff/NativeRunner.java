package platform.cpu.diff;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The host side: diffrunner.c (a test resource) compiled with gcc into target/ once per JVM,
 * and one long-lived runner process that all differential tests of the JVM share (calls are
 * serialized). See diffrunner.c for the protocol. Missing gcc or a non-x86-64 Linux host
 * fails the test with a message; it is never skipped.
 */
final class NativeRunner {
    private static NativeRunner instance;

    private final Process process;
    private final DataInputStream in;
    private final OutputStream out;
    private byte[] loadedCode;

    private NativeRunner(Process p) {
        this.process = p;
        this.in = new DataInputStream(new BufferedInputStream(p.getInputStream(), 1 << 16));
        this.out = new BufferedOutputStream(p.getOutputStream(), 1 << 16);
    }

    /** The shared runner, compiled and started on first use. */
    static synchronized NativeRunner get() {
        if (instance == null || !instance.process.isAlive()) {
            instance = new NativeRunner(start(compile()));
        }
        return instance;
    }

    private static Path compile() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            fail("the differential CPU tests run code on the host CPU and need x86-64 Linux (os.name=" + os
                    + ", os.arch=" + arch + ")");
        }
        try {
            Path dir = Files.createDirectories(Path.of("target", "diffrunner"));
            Path src = dir.resolve("diffrunner.c");
            try (InputStream r = NativeRunner.class.getResourceAsStream("diffrunner.c")) {
                if (r == null) {
                    fail("test resource platform/cpu/diff/diffrunner.c not found");
                }
                Files.copy(r, src, StandardCopyOption.REPLACE_EXISTING);
            }
            Path exe = dir.resolve("diffrunner-" + ProcessHandle.current().pid());
            List<String> cmd = List.of("gcc", "-O2", "-Wall", "-fno-stack-protector", "-o", exe.toString(), src.toString());
            Process p;
            try {
                p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new AssertionError("gcc is not installed (apt-get install gcc); the differential CPU tests "
                        + "compile their host runner with it: " + e.getMessage(), e);
            }
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                fail("compiling diffrunner.c failed: " + String.join(" ", cmd) + "\n" + log);
            }
            exe.toFile().deleteOnExit();
            return exe;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Process start(Path exe) {
        try {
            return new ProcessBuilder(exe.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + exe, e);
        }
    }

    /** Runs {@code init} from {@code code[entryOffset]} (code at {@link MachineState#CODE}) on the host CPU. */
    synchronized Outcome run(byte[] code, int entryOffset, MachineState init, int timeoutMs) {
        try {
            if (loadedCode != code) {
                ByteBuffer h = le(5);
                h.put((byte) 'C').putInt(code.length);
                out.write(h.array());
                out.write(code);
                out.flush();
                int st = Integer.reverseBytes(in.readInt());
                if (st != 0) {
                    fail("diffrunner could not map the code: errno " + st);
                }
                loadedCode = code;
            }
            if (init.fsBase < 0 || init.fsBase >= 0x7FFF_FFFF_F000L || init.gsBase < 0 || init.gsBase >= 0x7FFF_FFFF_F000L) {
                throw new IllegalArgumentException("the host can only set FS/GS bases below 0x7ffffffff000");
            }
            if ((init.mxcsr & ~0xFFFF) != 0) {
                throw new IllegalArgumentException("MXCSR reserved bits set: " + Integer.toHexString(init.mxcsr));
            }
            byte[] fx = init.fxsave();
            ByteBuffer rq = le(1 + 16 * 8 + 8 + 8 + 16 + 4 + 4 + 512);
            rq.put((byte) 'R');
            for (long g : init.gpr) {
                rq.putLong(g);
            }
            rq.putLong(init.rflags).putLong(MachineState.CODE + entryOffset).putLong(init.fsBase).putLong(init.gsBase).putInt(init.data.length).putInt(timeoutMs);
            rq.put(fx);
            out.write(rq.array());
            out.write(init.data);
            out.flush();

            byte[] head = new byte[4 * 4 + 4 * 8 + 16 * 8 + 16 + 512];
            in.readFully(head);
            ByteBuffer r = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
            int status = r.getInt();
            int signo = r.getInt();
            r.getInt(); // si_code
            r.getInt();
            long trapno = r.getLong(), err = r.getLong(), cr2 = r.getLong();
            r.getLong(); // si_addr
            Outcome o = new Outcome();
            for (int k = 0; k < 16; k++) {
                o.state.gpr[k] = r.getLong();
            }
            o.rip = r.getLong();
            o.state.rflags = r.getLong();
            byte[] fxOut = new byte[512];
            r.get(fxOut);
            o.state.fxrstor(fxOut);
            o.state.fsBase = init.fsBase;
            o.state.gsBase = init.gsBase;
            o.state.data = init.data.clone();
            byte[] chunk = new byte[4];
            for (;;) {
                in.readFully(chunk);
                int off = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN).getInt();
                if (off == -1) {
                    break;
                }
                in.readFully(o.state.data, off, 64);
            }
            if (status == 1) {
                o.problem = "time limit (" + timeoutMs + " ms) at rip=" + Long.toHexString(o.rip);
            } else {
                o.vector = (int) trapno;
                o.errorCode = (int) err;
                o.cr2 = cr2;
                if (o.vector == 14 && Long.compareUnsigned(cr2, 0x7FFF_FFFF_F000L) >= 0) {
                    // Linux reports a user access to a kernel address as a protection fault (it
                    // sets P to hide its page tables); the emulator sees an unmapped page
                    o.errorCode &= ~1;
                }
                if (signo == 0) {
                    o.problem = "no signal?";
                }
            }
            return o;
        } catch (IOException e) {
            process.destroy();
            throw new AssertionError("diffrunner died: " + e, e);
        }
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
