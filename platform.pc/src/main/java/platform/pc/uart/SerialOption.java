package platform.pc.uart;

import java.nio.file.Path;

/**
 * Contract: the machine option {@code --serial stdio|file:PATH|tcp:PORT}. {@link #parse}
 * checks the syntax only, so a bad option is refused before boot with an
 * {@link IllegalArgumentException} whose message names the option; {@link #open} then
 * creates the backend (which may fail on the host: a file that cannot be opened, a port
 * in use).
 *
 * <ul>
 *   <li>{@code stdio}: the host terminal ({@link StdioBackend});</li>
 *   <li>{@code file:PATH}: output appended to PATH ({@link FileBackend});</li>
 *   <li>{@code tcp:PORT}: a server on 127.0.0.1:PORT, 1..65535 ({@link TcpBackend}).</li>
 * </ul>
 */
public record SerialOption(Kind kind, Path path, int port) {
    public enum Kind { STDIO, FILE, TCP }

    private static final String SYNTAX = "expected stdio, file:PATH or tcp:PORT";

    public static SerialOption parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw bad(String.valueOf(spec), "empty value, " + SYNTAX);
        }
        if (spec.equals("stdio")) {
            return new SerialOption(Kind.STDIO, null, 0);
        }
        if (spec.startsWith("file:")) {
            String p = spec.substring(5);
            if (p.isEmpty()) {
                throw bad(spec, "missing file path");
            }
            try {
                return new SerialOption(Kind.FILE, Path.of(p), 0);
            } catch (RuntimeException e) {
                throw bad(spec, "bad file path '" + p + "'");
            }
        }
        if (spec.startsWith("tcp:")) {
            String p = spec.substring(4);
            int port;
            try {
                port = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535 || !p.matches("[0-9]+")) {
                throw bad(spec, "bad TCP port '" + p + "' (expected 1..65535)");
            }
            return new SerialOption(Kind.TCP, null, port);
        }
        throw bad(spec, "unknown serial backend, " + SYNTAX);
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("--serial " + spec + ": " + why);
    }

    /**
     * Creates the backend. @throws java.io.UncheckedIOException naming the option if the
     * host refuses (file not writable, port in use)
     */
    public SerialBackend open() {
        try {
            return switch (kind) {
                case STDIO -> new StdioBackend();
                case FILE -> new FileBackend(path);
                case TCP -> new TcpBackend(port);
            };
        } catch (java.io.UncheckedIOException e) {
            throw new java.io.UncheckedIOException("--serial " + this + ": " + e.getMessage(), e.getCause());
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case STDIO -> "stdio";
            case FILE -> "file:" + path;
            case TCP -> "tcp:" + port;
        };
    }
}
