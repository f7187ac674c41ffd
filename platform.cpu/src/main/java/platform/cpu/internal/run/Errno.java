package platform.cpu.internal.run;

/** Linux errno values (asm-generic/errno-base.h, errno.h) that cpu-run's system calls return, negated. */
final class Errno {
    static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EIO = 5, E2BIG = 7, EBADF = 9, ENOMEM = 12, EFAULT = 14,
            EEXIST = 17, ENODEV = 19, EINVAL = 22, ENOTTY = 25, EPIPE = 32, ENAMETOOLONG = 36, ENOSYS = 38,
            EOVERFLOW = 75;

    private Errno() {}
}
