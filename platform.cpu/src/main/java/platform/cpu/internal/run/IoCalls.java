package platform.cpu.internal.run;

import static platform.cpu.internal.run.Errno.*;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import platform.cpu.internal.run.AddressSpace.BadAddress;

/**
 * System calls on file descriptors and paths, for a process that has no files: descriptors
 * 0, 1 and 2 are the standard streams (pipes, not terminals), 1 and 2 writing to the
 * runner's stdout and stderr; the only path that exists is /proc/self/exe. Each handler
 * states the Linux semantics it keeps.
 */
final class IoCalls {
    static final int MAX_RW_COUNT = 0x7ffff000;
    /** Longest path, terminating NUL included. */
    static final int PATH_MAX = 4096;
    static final int S_IFIFO = 0010000, AT_EMPTY_PATH = 0x1000, AT_SYMLINK_NOFOLLOW = 0x100, AT_NO_AUTOMOUNT = 0x800;

    private final AddressSpace as;
    private final OutputStream stdout, stderr;
    private final String exe;

    IoCalls(AddressSpace as, OutputStream stdout, OutputStream stderr, String exe) {
        this.as = as;
        this.stdout = stdout;
        this.stderr = stderr;
        this.exe = exe;
    }

    /** The host stream of fd 1 or 2, or null. */
    private OutputStream stream(int fd) {
        return fd == 1 ? stdout : fd == 2 ? stderr : null;
    }

    /**
     * write(fd, buf, count): writes to stdout (1) or stderr (2); -EBADF for any other fd (0 is
     * read-only). count is capped at MAX_RW_COUNT; returns the bytes written, which are fewer
     * than count if buf turns bad part way, or -EFAULT if it is bad at once. A closed host
     * stream ends the process with SIGPIPE, as the write would natively.
     */
    long write(int fd, long buf, long count) {
        OutputStream out = stream(fd);
        if (out == null) {
            return -EBADF;
        }
        long n = Long.compareUnsigned(count, MAX_RW_COUNT) > 0 ? MAX_RW_COUNT : count;
        long done = copyOut(out, buf, n);
        return done == 0 && n > 0 ? -EFAULT : done;
    }

    /** Copies {@code n} bytes of user memory at {@code buf} to {@code out}; returns the count copied before a bad address. */
    private long copyOut(OutputStream out, long buf, long n) {
        long done = 0;
        byte[] chunk = new byte[(int) Math.min(n, 65536)];
        while (done < n) {
            int len = (int) Math.min(chunk.length, n - done);
            int got = 0;
            try {
                as.read(buf + done, chunk, 0, len);
                got = len;
            } catch (BadAddress e) {
                got = (int) Math.max(0, Math.min(len, e.va - (buf + done)));
                if (got > 0) {
                    as.read(buf + done, chunk, 0, got);
                }
            }
            if (got > 0) {
                try {
                    out.write(chunk, 0, got);
                    out.flush();
                } catch (IOException e) {
                    throw Stop.signal(Stop.SIGPIPE, null);
                }
            }
            done += got;
            if (got < len) {
                break;
            }
        }
        return done;
    }

    /**
     * writev(fd, iov, iovcnt): as write for each buffer in turn; -EINVAL if iovcnt is negative
     * or above 1024 (IOV_MAX) or the lengths overflow; -EFAULT if the iovec array is bad.
     */
    long writev(int fd, long iov, int iovcnt) {
        OutputStream out = stream(fd);
        if (out == null) {
            return -EBADF;
        }
        if (iovcnt < 0 || iovcnt > 1024) {
            return -EINVAL;
        }
        ByteBuffer v = ByteBuffer.wrap(as.read(iov, 16 * iovcnt)).order(ByteOrder.LITTLE_ENDIAN);
        long total = 0;
        for (int k = 0; k < iovcnt; k++) {
            long len = v.getLong(16 * k + 8);
            if (len < 0 || (total += len) < 0) {
                return -EINVAL;
            }
        }
        long done = 0;
        for (int k = 0; k < iovcnt; k++) {
            long base = v.getLong(16 * k), len = Math.min(v.getLong(16 * k + 8), MAX_RW_COUNT - done);
            long n = copyOut(out, base, len);
            done += n;
            if (n < len) {
                return done == 0 ? -EFAULT : done;
            }
        }
        return done;
    }

    /**
     * readlink(path, buf, bufsiz): only /proc/self/exe (and /proc/PID/exe) exists: its target,
     * the executable's absolute path, is copied without a NUL and truncated to bufsiz; any
     * other path is -ENOENT (the process sees no files); -EINVAL if bufsiz is not positive.
     */
    long readlink(long path, long buf, int bufsiz) {
        String p = as.readString(path, PATH_MAX);
        if (p == null) {
            return -ENAMETOOLONG;
        }
        if (bufsiz <= 0) {
            return -EINVAL;
        }
        if (!p.equals("/proc/self/exe") && !p.equals("/proc/" + ProcCalls.PID + "/exe")) {
            return -ENOENT;
        }
        byte[] target = exe.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(target.length, bufsiz);
        as.write(buf, target, 0, n);
        return n;
    }

    /** fstat(fd, statbuf): the standard streams are pipes (S_IFIFO, mode 0600, st_blksize 4096); -EBADF otherwise. */
    long fstat(int fd, long statbuf) {
        if (fd < 0 || fd > 2) {
            return -EBADF;
        }
        ByteBuffer st = ByteBuffer.allocate(144).order(ByteOrder.LITTLE_ENDIAN);
        st.putLong(0, 0xc);                  // st_dev: the pipe filesystem
        st.putLong(8, 1000 + fd);            // st_ino
        st.putLong(16, 1);                   // st_nlink
        st.putInt(24, S_IFIFO | 0600);       // st_mode
        st.putInt(28, Identity.UID);     // st_uid
        st.putInt(32, Identity.GID);     // st_gid
        st.putLong(56, 4096);                // st_blksize
        as.write(statbuf, st.array());
        return 0;
    }

    /**
     * newfstatat(dirfd, path, statbuf, flags): with AT_EMPTY_PATH and an empty path, fstat of
     * dirfd; an empty path without it is -ENOENT, and so is every other path (no files);
     * -EINVAL for unknown flags.
     */
    long newfstatat(int dirfd, long path, long statbuf, int flags) {
        if ((flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT)) != 0) {
            return -EINVAL;
        }
        String p = as.readString(path, PATH_MAX);
        if (p == null) {
            return -ENAMETOOLONG;
        }
        if (p.isEmpty() && (flags & AT_EMPTY_PATH) != 0) {
            return fstat(dirfd, statbuf);
        }
        return -ENOENT;
    }

    static final int F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, O_WRONLY = 1;

    /**
     * fcntl(fd, cmd, arg) on the standard streams: F_GETFL says O_RDONLY for 0 and O_WRONLY
     * for 1 and 2; F_GETFD says no FD_CLOEXEC; F_SETFD and F_SETFL are accepted and change
     * nothing; other commands (duplication, locks, ...) are -EINVAL. -EBADF for other fds.
     */
    long fcntl(int fd, int cmd) {
        if (fd < 0 || fd > 2) {
            return -EBADF;
        }
        return switch (cmd) {
            case F_GETFL -> fd == 0 ? 0 : O_WRONLY;
            case F_GETFD, F_SETFD, F_SETFL -> 0;
            default -> -EINVAL;
        };
    }

    /** ioctl(fd, request, arg): the standard streams are not terminals (-ENOTTY); -EBADF for other fds. */
    long ioctl(int fd) {
        return fd >= 0 && fd <= 2 ? -ENOTTY : -EBADF;
    }
}
