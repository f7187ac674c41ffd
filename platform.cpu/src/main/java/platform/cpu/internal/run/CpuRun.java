package platform.cpu.internal.run;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code cpu-run [--strace] [--memory SIZE] [--max-instructions N] BINARY [ARGS...]}: runs a
 * static x86-64 Linux executable on the bare CPU (see {@link UserProcess}, {@link Syscalls}).
 * The program's stdout and stderr are the runner's; its exit status becomes the runner's
 * (128 + signal if it was killed; 127 if BINARY does not exist, 126 if it cannot be run);
 * the runner reports instructions executed and MIPS on stderr.
 *
 * <p>{@link #exec} is the same run in-process, for tests.
 */
public final class CpuRun {
    static final long DEFAULT_RAM = 1L << 30;

    private CpuRun() {}

    /** What to run and how. */
    public record Options(Path binary, List<String> argv, List<String> envp, long ramBytes, long maxInstructions,
            boolean strace) {
        public Options {
            argv = List.copyOf(argv);
            envp = List.copyOf(envp);
        }

        /** BINARY run with {@code argv} (argv[0] included), an empty environment, default RAM, no limit. */
        public static Options of(Path binary, List<String> argv) {
            return new Options(binary, argv, List.of(), DEFAULT_RAM, Long.MAX_VALUE, false);
        }
    }

    /**
     * Runs a program in-process. A file that cannot be run gives status 127 or 126 with the
     * reason as the message; the program's output goes to {@code stdout}/{@code stderr}.
     */
    public static UserProcess.Outcome exec(Options o, OutputStream stdout, OutputStream stderr) {
        byte[] file;
        String exe;
        try {
            if (Files.isDirectory(o.binary())) {
                return new UserProcess.Outcome(126, o.binary() + ": Is a directory", 0, 0);
            }
            file = Files.readAllBytes(o.binary());
            exe = o.binary().toRealPath().toString();
        } catch (NoSuchFileException e) {
            return new UserProcess.Outcome(127, o.binary() + ": No such file or directory", 0, 0);
        } catch (AccessDeniedException e) {
            return new UserProcess.Outcome(126, o.binary() + ": Permission denied", 0, 0);
        } catch (IOException | OutOfMemoryError e) {
            return new UserProcess.Outcome(126, o.binary() + ": cannot read: " + e.getMessage(), 0, 0);
        }
        return exec(file, exe, o, stdout, stderr);
    }

    /** Runs the executable {@code file} (whose absolute path is {@code exe}) as {@link #exec(Options, OutputStream, OutputStream)} does. */
    static UserProcess.Outcome exec(byte[] file, String exe, Options o, OutputStream stdout, OutputStream stderr) {
        Elf elf;
        try {
            elf = Elf.parse(file);
        } catch (Elf.BadElf e) {
            return new UserProcess.Outcome(126, o.binary() + ": " + e.getMessage(), 0, 0);
        }
        UserProcess p;
        try {
            p = new UserProcess(elf, exe, o.binary().toString(), o.argv(), o.envp(), stdout, stderr, o.ramBytes());
        } catch (InitialStack.TooBig e) {
            return new UserProcess.Outcome(126, o.binary() + ": " + e.getMessage(), 0, 0);
        } catch (Frames.Exhausted e) {
            return new UserProcess.Outcome(126, o.binary() + ": does not fit: " + e.getMessage(), 0, 0);
        }
        try (p) {
            p.strace(o.strace());
            UserProcess.Outcome r = p.run(o.maxInstructions());
            if (o.strace() && r.message() != null) {
                r = new UserProcess.Outcome(r.status(), r.message() + "\n" + p.registers(), r.instructions(), r.nanos());
            }
            return r;
        }
    }

    public static void main(String[] args) {
        int status = main(args, new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err));
        // halt, not exit: nothing is left to clean up, and System.exit spends ~30 ms setting up logging
        Runtime.getRuntime().halt(status);
    }

    static final String USAGE = "usage: cpu-run [--strace] [--memory SIZE] [--max-instructions N] BINARY [ARGS...]\n"
            + "       cpu-run --self-test";

    /** The command line: returns the exit status. */
    public static int main(String[] args, OutputStream stdout, OutputStream stderr) {
        long ram = DEFAULT_RAM;
        long max = Long.MAX_VALUE;
        boolean strace = false;
        int k = 0;
        try {
            for (; k < args.length && args[k].startsWith("--"); k++) {
                if (args[k].equals("--")) {
                    k++;
                    break;
                }
                switch (args[k]) {
                    case "--strace" -> strace = true;
                    case "--self-test" -> {
                        return selfTest(stdout, stderr);
                    }
                    case "--memory" -> ram = size(value(args, ++k, "--memory"));
                    case "--max-instructions" -> max = Long.parseLong(value(args, ++k, "--max-instructions"));
                    default -> throw new IllegalArgumentException("unknown option " + args[k]);
                }
            }
        } catch (IllegalArgumentException e) {
            say(stderr, "cpu-run: " + e.getMessage() + "\n" + USAGE);
            return 2;
        }
        if (k >= args.length) {
            say(stderr, USAGE);
            return 2;
        }
        List<String> argv = List.of(args).subList(k, args.length);
        String binary = args[k];
        List<String> env = new ArrayList<>(environment());
        env.replaceAll(e -> e.startsWith("_=") ? "_=" + binary : e); // as a shell sets it for the program it runs
        Options o = new Options(Path.of(binary), argv, env, ram, max <= 0 ? Long.MAX_VALUE : max, strace);
        UserProcess.Outcome r = exec(o, stdout, stderr);
        if (r.message() != null) {
            say(stderr, "cpu-run: " + r.message());
        }
        if (r.instructions() > 0) {
            say(stderr, stats(r));
        }
        return r.status();
    }

    /** Runs {@link SelfTest}'s program; 0 if it printed what it should and exited 0. */
    static int selfTest(OutputStream stdout, OutputStream stderr) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        Options o = new Options(Path.of("cpu-run-self-test"), List.of("cpu-run-self-test"), List.of(), 64L << 20,
                100_000_000, false);
        UserProcess.Outcome r = exec(SelfTest.image(), "/cpu-run-self-test", o, out, stderr);
        String got = out.toString(StandardCharsets.UTF_8);
        boolean ok = r.status() == 0 && r.message() == null && got.equals(SelfTest.OUTPUT);
        say(ok ? stdout : stderr, ok ? got.strip() : "cpu-run: self-test FAILED: status " + r.status() + ", "
                + (r.message() != null ? r.message() : "output " + got.strip()));
        if (ok) {
            say(stderr, stats(r));
        }
        return ok ? 0 : 1;
    }

    /** The statistics line: "cpu-run: N instructions in S s (M MIPS)". */
    static String stats(UserProcess.Outcome r) {
        return "cpu-run: " + r.instructions() + " instructions in " + decimal(r.nanos() / 1_000_000, 3) + " s ("
                + decimal(Math.round(r.mips() * 10), 1) + " MIPS)";
    }

    /** {@code v / 10^digits} with {@code digits} decimals, without java.util.Formatter (slow to load). */
    static String decimal(long v, int digits) {
        long scale = digits == 3 ? 1000 : 10;
        String frac = Long.toString(scale + v % scale).substring(1);
        return v / scale + "." + frac;
    }

    private static String value(String[] args, int k, String opt) {
        if (k >= args.length) {
            throw new IllegalArgumentException(opt + " needs a value");
        }
        return args[k];
    }

    /** "256M", "2G", "65536K" or bytes; a positive multiple of 4 KiB of at least 16 MiB. */
    static long size(String s) {
        try {
            long mul = switch (Character.toUpperCase(s.charAt(s.length() - 1))) {
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                case 'G' -> 1L << 30;
                default -> 1;
            };
            long n = Long.parseLong(mul == 1 ? s : s.substring(0, s.length() - 1)) * mul;
            if (n < 16L << 20 || n > 1L << 40 || (n & 0xFFF) != 0) {
                throw new IllegalArgumentException("--memory: " + s + " is not a multiple of 4K between 16M and 1T");
            }
            return n;
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("--memory: bad size '" + s + "' (e.g. 256M, 2G)");
        }
    }

    /** The runner's environment, in its original order when /proc/self/environ can tell it. */
    static List<String> environment() {
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc/self/environ"));
            List<String> env = new ArrayList<>();
            int from = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    if (i > from) {
                        env.add(new String(b, from, i - from, StandardCharsets.UTF_8));
                    }
                    from = i + 1;
                }
            }
            return env;
        } catch (IOException | RuntimeException e) {
            List<String> env = new ArrayList<>();
            for (Map.Entry<String, String> e2 : System.getenv().entrySet()) {
                env.add(e2.getKey() + "=" + e2.getValue());
            }
            return env;
        }
    }

    private static void say(OutputStream err, String line) {
        try {
            err.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            err.flush();
        } catch (IOException e) {
            // nowhere to report
        }
    }
}
