package fs.vfs;

/** One directory entry as {@code ls} shows it. */
public record DirEntry(String name, boolean directory, long size, long modifiedMillis) {}
