package fs.vfs.internal;

import fs.vfs.DirEntry;
import fs.vfs.Inode;
import fs.vfs.Vfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** Shell commands owned by the VFS: {@code mount}, {@code umount}, {@code ls}, {@code cat}, {@code mkdir}. */
@Component(service = FsCommands.class, immediate = true, enabled = false, property = {
    "osgi.command.scope=fs",
    "osgi.command.function=mount",
    "osgi.command.function=umount",
    "osgi.command.function=ls",
    "osgi.command.function=cat",
    "osgi.command.function=mkdir",
})
public final class FsCommands {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    @Reference
    private Vfs vfs;

    @Descriptor("mount a filesystem: mount -t TYPE DEVICE DIR; without arguments, list mounts")
    public String mount(
            @Descriptor("filesystem type, e.g. vfat") @Parameter(names = {"-t", "--types"}, absentValue = "") String type,
            @Descriptor("mount options") @Parameter(names = {"-o", "--options"}, absentValue = "") String options,
            @Descriptor("DEVICE DIR") String... args) throws IOException {
        if (args.length == 0) {
            StringBuilder sb = new StringBuilder();
            for (Vfs.Mount m : vfs.mounts()) {
                if (!sb.isEmpty()) {
                    sb.append('\n');
                }
                sb.append(m.device()).append(" on ").append(m.dir()).append(" type ").append(m.type());
            }
            return sb.toString();
        }
        if (args.length != 2 || type.isEmpty()) {
            throw new IllegalArgumentException("usage: mount -t TYPE DEVICE DIR");
        }
        vfs.mount(type, args[0], args[1], options);
        return null;
    }

    @Descriptor("unmount the filesystem mounted on DIR")
    public void umount(@Descriptor("DIR") String dir) throws IOException {
        vfs.umount(dir);
    }

    @Descriptor("list a directory")
    public String ls(
            @Descriptor("long listing") @Parameter(names = {"-l"}, presentValue = "true", absentValue = "false") boolean longFormat,
            @Descriptor("PATH") String... paths) throws IOException {
        String path = paths.length == 0 ? "/" : paths[0];
        Inode node = vfs.lookup(path);
        List<DirEntry> entries = node.isDirectory()
                ? node.list()
                : List.of(new DirEntry(path.substring(path.lastIndexOf('/') + 1), false, node.size(), node.modifiedMillis()));
        StringBuilder sb = new StringBuilder();
        for (DirEntry e : entries) {
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            if (longFormat) {
                sb.append(String.format("%s %10d %s %s", e.directory() ? "drwxr-xr-x" : "-rw-r--r--", e.size(),
                        TIME.format(Instant.ofEpochMilli(e.modifiedMillis())), e.name()));
            } else {
                sb.append(e.name()).append(e.directory() ? "/" : "");
            }
        }
        return sb.toString();
    }

    @Descriptor("print a file")
    public String cat(@Descriptor("PATH") String path) throws IOException {
        String s = new String(vfs.readAll(path), StandardCharsets.UTF_8);
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    @Descriptor("create a directory in the root filesystem")
    public void mkdir(@Descriptor("PATH") String path) throws IOException {
        vfs.mkdir(path);
    }
}
