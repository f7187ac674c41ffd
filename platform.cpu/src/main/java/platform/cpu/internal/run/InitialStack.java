package platform.cpu.internal.run;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import platform.cpu.internal.ops.Cpuid;

/**
 * The stack a new process starts on (x86-64 psABI §3.4.1, laid out as Linux's
 * create_elf_tables does). From the top: the executable's file name, the environment and
 * argument strings, the platform string and 16 random bytes (AT_RANDOM); then, 16-byte
 * aligned at RSP: argc, argv[], NULL, envp[], NULL, the auxiliary vector ending in AT_NULL.
 *
 * <p>Contract: {@link #build} writes that into the stack region of {@code as} below
 * {@code top} and returns the initial RSP, which is 16-byte aligned and points at argc.
 */
final class InitialStack {
    static final int AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
            AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15,
            AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31;
    /** Linux's limit on argument and environment strings together (a quarter of an 8 MiB stack). */
    static final int MAX_STRINGS = 2 << 20;

    private InitialStack() {}

    /** Too many or too long arguments: execve's E2BIG. */
    static final class TooBig extends Exception {
        TooBig(String message) {
            super(message);
        }
    }

    /**
     * Builds the stack for {@code elf} run as {@code execfn} with {@code argv} and {@code envp};
     * {@code random} gives the 16 AT_RANDOM bytes. Returns the initial RSP.
     */
    static long build(AddressSpace as, long top, Elf elf, String execfn, List<String> argv, List<String> envp,
            byte[] random) throws TooBig {
        // strings, from the top down
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        long[] argp = new long[argv.size()];
        long[] envpp = new long[envp.size()];
        // layout is computed bottom-up inside the string block, then the block is placed below top
        int[] argOff = new int[argv.size()];
        int[] envOff = new int[envp.size()];
        for (int k = 0; k < argv.size(); k++) {
            argOff[k] = strings.size();
            putString(strings, argv.get(k));
        }
        for (int k = 0; k < envp.size(); k++) {
            envOff[k] = strings.size();
            putString(strings, envp.get(k));
        }
        int execOff = strings.size();
        putString(strings, execfn);
        if (strings.size() > MAX_STRINGS) {
            throw new TooBig("argument list too long (" + strings.size() + " bytes)");
        }
        long stringsAt = top - 8 - strings.size(); // 8 bytes of zeros at the very top, as Linux leaves
        for (int k = 0; k < argp.length; k++) {
            argp[k] = stringsAt + argOff[k];
        }
        for (int k = 0; k < envpp.length; k++) {
            envpp[k] = stringsAt + envOff[k];
        }
        long execfnAt = stringsAt + execOff;
        byte[] platform = "x86_64\0".getBytes(StandardCharsets.US_ASCII);
        long platformAt = stringsAt - platform.length;
        long randomAt = (platformAt - 16) & ~15L;

        long[][] aux = {
            {AT_HWCAP, Cpuid.LEAF1_EDX & 0xFFFFFFFFL},
            {AT_PAGESZ, 4096},
            {AT_CLKTCK, 100},
            {AT_PHDR, elf.phdrAddress()},
            {AT_PHENT, Elf.PHDR_SIZE},
            {AT_PHNUM, elf.phnum},
            {AT_BASE, 0},
            {AT_FLAGS, 0},
            {AT_ENTRY, elf.entry},
            {AT_UID, Identity.UID},
            {AT_EUID, Identity.UID},
            {AT_GID, Identity.GID},
            {AT_EGID, Identity.GID},
            {AT_SECURE, 0},
            {AT_RANDOM, randomAt},
            {AT_HWCAP2, 0},
            {AT_EXECFN, execfnAt},
            {AT_PLATFORM, platformAt},
            {AT_NULL, 0},
        };
        int words = 1 + argp.length + 1 + envpp.length + 1 + 2 * aux.length;
        long sp = (randomAt - 8L * words) & ~15L;
        ByteBuffer b = ByteBuffer.allocate(8 * words).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(argp.length);
        for (long p : argp) {
            b.putLong(p);
        }
        b.putLong(0);
        for (long p : envpp) {
            b.putLong(p);
        }
        b.putLong(0);
        for (long[] a : aux) {
            b.putLong(a[0]).putLong(a[1]);
        }
        as.write(sp, b.array());
        as.write(randomAt, random);
        as.write(platformAt, platform);
        as.write(stringsAt, strings.toByteArray());
        as.write(top - 8, new byte[8]);
        return sp;
    }

    private static void putString(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }
}
