package platform.pc.uart;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Contract: a file as the far end of the serial line. Transmitted bytes are appended to the
 * file (created if missing, never truncated) unbuffered, so {@code tail -f} sees them at
 * once. There is no input and no thread. DCD, DSR and CTS are asserted. A write error is
 * counted ({@link #writeErrors}) and the byte is lost, never thrown into the UART.
 */
public final class FileBackend implements SerialBackend {
    private final Path path;
    private OutputStream out;
    private long writeErrors;

    /** Opens {@code path} for appending. @throws UncheckedIOException if it cannot be opened */
    public FileBackend(Path path) {
        this.path = path;
        try {
            out = Files.newOutputStream(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("serial file " + path + ": " + e.getMessage(), e);
        }
    }

    public Path path() {
        return path;
    }

    @Override
    public void attach(SerialReceiver rx) {
        rx.setModemInputs(CONNECTED);
    }

    @Override
    public synchronized void transmit(int b) {
        if (out == null) {
            writeErrors++;
            return;
        }
        try {
            out.write(b);
        } catch (IOException e) {
            writeErrors++;
        }
    }

    public synchronized long writeErrors() {
        return writeErrors;
    }

    @Override
    public synchronized void close() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                writeErrors++;
            }
            out = null;
        }
    }
}
