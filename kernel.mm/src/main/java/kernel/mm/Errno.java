package kernel.mm;

/**
 * Linux errno values (x86-64). Memory-management calls return them negated, as the kernel's
 * syscalls do ({@code -EINVAL}), so the syscall layer passes them through.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int EOVERFLOW = 75;
    public static final int EOPNOTSUPP = 95;

    private Errno() {
    }

    /** True if {@code ret} is a negated errno (-4095..-1), the way Linux's IS_ERR_VALUE tells. */
    public static boolean isError(long ret) {
        return ret < 0 && ret >= -4095;
    }

    /** The symbolic name of errno {@code e} (positive or negated), e.g. "EINVAL". */
    public static String name(long e) {
        return switch ((int) Math.abs(e)) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case EINTR -> "EINTR";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EACCES -> "EACCES";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case EINVAL -> "EINVAL";
            case EOVERFLOW -> "EOVERFLOW";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            default -> "errno " + Math.abs(e);
        };
    }
}
