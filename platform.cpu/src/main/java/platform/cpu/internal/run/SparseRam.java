package platform.cpu.internal.run;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import platform.cpu.FlatMemory;
import platform.cpu.PhysicalMemory;

/**
 * Flat RAM from address 0 to {@code size} whose host pages are allocated only when first
 * touched: a private (copy-on-write) mapping of a sparse, already deleted file in /dev/shm.
 * {@link FlatMemory} zeroes all of its RAM up front (about 0.5 ms per MiB); a large emulated
 * RAM costs nothing here until used. Reads of untouched pages return zeros.
 *
 * <p>{@link #open} falls back to a {@link FlatMemory} when the mapping cannot be made.
 */
final class SparseRam implements PhysicalMemory, AutoCloseable {
    private final Arena arena;
    private final MemorySegment ram;

    private SparseRam(Arena arena, MemorySegment ram) {
        this.arena = arena;
        this.ram = ram;
    }

    /** RAM of {@code size} bytes (a multiple of 4 KiB): sparse if possible, else a FlatMemory. */
    static PhysicalMemory open(long size) {
        Path dir = Path.of("/dev/shm");
        if (Files.isDirectory(dir) && Files.isWritable(dir)) {
            try {
                // not Files.createTempFile: its SecureRandom names cost ~20 ms of start-up
                Path f = dir.resolve("kestrel-cpu-run-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".ram");
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
                    Arena arena = Arena.ofShared();
                    MemorySegment seg = ch.map(FileChannel.MapMode.PRIVATE, 0, size, arena); // extends the file, sparsely
                    return new SparseRam(arena, seg);
                } finally {
                    Files.deleteIfExists(f);
                }
            } catch (IOException | UnsupportedOperationException e) {
                // fall through
            }
        }
        return new FlatMemory(size);
    }

    @Override
    public MemorySegment ram() {
        return ram;
    }

    @Override
    public long ramOffset(long pa) {
        return pa >= 0 && pa < ram.byteSize() ? pa : -1;
    }

    @Override
    public long read(long pa, int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    @Override
    public void write(long pa, int size, long value) {
        // nothing there
    }

    @Override
    public void close() {
        arena.close();
    }
}
