package platform.cpu.internal.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The user and group a cpu-run process runs as: the runner's own real IDs (read from
 * /proc/self/status), so that a program sees the identity it would see natively; 1000 when
 * they cannot be read. Used for AT_UID..AT_EGID, getuid() and friends, and st_uid/st_gid.
 */
final class Identity {
    static final int UID, GID;

    static {
        int uid = 1000, gid = 1000;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    uid = Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
                } else if (line.startsWith("Gid:")) {
                    gid = Integer.parseInt(line.substring(4).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // keep the defaults
        }
        UID = uid;
        GID = gid;
    }

    private Identity() {}
}
