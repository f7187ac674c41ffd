package platform.cpu;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Physical memory that is RAM from address 0 to {@code size}, and nothing above (reads of
 * all-ones, writes dropped). For tests and for {@code cpu-run}, which need no devices.
 *
 * <p>Two ways to get the RAM: {@link #FlatMemory(long)} allocates and zeroes all of it up
 * front (about 0.5 ms per MiB); {@link #sparse(long)} maps a sparse, already deleted file in
 * /dev/shm privately, so host pages are allocated only when first touched and a large
 * emulated RAM costs nothing until used.
 */
public final class FlatMemory implements PhysicalMemory, AutoCloseable {
    private final Arena arena;
    private final MemorySegment ram;

    /** Zero-filled RAM of {@code size} bytes, a multiple of 4 KiB. */
    public FlatMemory(long size) {
        checkSize(size);
        arena = Arena.ofShared();
        ram = arena.allocate(size, 4096);
    }

    private FlatMemory(Arena arena, MemorySegment ram) {
        this.arena = arena;
        this.ram = ram;
    }

    private static void checkSize(long size) {
        if (size <= 0 || (size & 0xFFF) != 0) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB: " + size);
        }
    }

    /** RAM of {@code size} bytes whose host pages are allocated on first touch; zero-filled RAM if that cannot be mapped. */
    public static FlatMemory sparse(long size) {
        checkSize(size);
        Path dir = Path.of("/dev/shm");
        if (Files.isDirectory(dir) && Files.isWritable(dir)) {
            try {
                // not Files.createTempFile: its SecureRandom names cost ~20 ms of start-up
                Path f = dir.resolve("kestrel-ram-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".ram");
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
                    Arena arena = Arena.ofShared();
                    return new FlatMemory(arena, ch.map(FileChannel.MapMode.PRIVATE, 0, size, arena)); // sparse
                } finally {
                    Files.deleteIfExists(f);
                }
            } catch (IOException | UnsupportedOperationException e) {
                // fall through to ordinary memory
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

    /** Frees the memory. Idempotent; accesses afterwards throw IllegalStateException. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            try {
                arena.close();
            } catch (IllegalStateException alreadyClosed) {
                // lost a race with another close()
            }
        }
    }
}
