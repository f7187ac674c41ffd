package kernel.mm;

/**
 * Flags of {@code mmap} ({@code MAP_*}) and {@code mremap} ({@code MREMAP_*}) with Linux's
 * x86-64 values, so a syscall layer passes the user's flags through unchanged.
 */
public final class MapFlags {
    public static final int SHARED = 0x01;
    public static final int PRIVATE = 0x02;
    /** MAP_SHARED, refusing unknown flags with EOPNOTSUPP. */
    public static final int SHARED_VALIDATE = 0x03;
    /** The mapping-type field (SHARED, PRIVATE, SHARED_VALIDATE). */
    public static final int TYPE = 0x0F;
    public static final int FIXED = 0x10;
    public static final int ANONYMOUS = 0x20;
    public static final int GROWSDOWN = 0x0100;
    public static final int DENYWRITE = 0x0800;
    public static final int EXECUTABLE = 0x1000;
    public static final int LOCKED = 0x2000;
    public static final int NORESERVE = 0x4000;
    public static final int POPULATE = 0x8000;
    public static final int NONBLOCK = 0x1_0000;
    public static final int STACK = 0x2_0000;
    public static final int HUGETLB = 0x4_0000;
    public static final int SYNC = 0x8_0000;
    public static final int FIXED_NOREPLACE = 0x10_0000;

    /** Every flag {@code mmap} knows (MAP_SHARED_VALIDATE refuses the others). */
    public static final int KNOWN = TYPE | FIXED | ANONYMOUS | GROWSDOWN | DENYWRITE | EXECUTABLE | LOCKED
            | NORESERVE | POPULATE | NONBLOCK | STACK | HUGETLB | SYNC | FIXED_NOREPLACE;

    public static final int MREMAP_MAYMOVE = 1;
    public static final int MREMAP_FIXED = 2;
    public static final int MREMAP_DONTUNMAP = 4;

    private MapFlags() {
    }
}
