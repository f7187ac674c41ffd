package platform.cpu.run;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import platform.cpu.Asm;

/**
 * A test fixture that writes ELF64 files by hand: a header, program headers and payloads at
 * chosen offsets, every field settable, so that tests can make good executables from a few
 * lines of assembly and bad ones of every kind.
 */
final class ElfImage {
    /** Where {@link #program} puts code: file offset 0x1000, loaded at 0x401000. */
    static final long CODE = 0x401000;

    record Phdr(int type, int flags, long offset, long vaddr, long filesz, long memsz) {}

    byte elfClass = 2, data = 1, version = 1;
    int type = 2, machine = 62, phentsize = 56;
    long entry = CODE, phoff = 64;
    Integer phnumOverride;
    final List<Phdr> phdrs = new ArrayList<>();
    private final List<long[]> payloadAt = new ArrayList<>();
    private final List<byte[]> payloads = new ArrayList<>();
    Integer truncateTo;

    ElfImage segment(int type, int flags, long offset, long vaddr, long filesz, long memsz) {
        phdrs.add(new Phdr(type, flags, offset, vaddr, filesz, memsz));
        return this;
    }

    /** Puts {@code bytes} at file offset {@code offset}. */
    ElfImage payload(long offset, byte[] bytes) {
        payloadAt.add(new long[] {offset});
        payloads.add(bytes);
        return this;
    }

    byte[] build() {
        boolean placePhdrs = phoff >= 0 && phoff < (1 << 20);
        long size = placePhdrs ? phoff + (long) phdrs.size() * 56 : 0;
        for (int k = 0; k < payloads.size(); k++) {
            size = Math.max(size, payloadAt.get(k)[0] + payloads.get(k).length);
        }
        size = Math.max(size, 64);
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, new byte[] {0x7f, 'E', 'L', 'F', elfClass, data, version});
        b.putShort(16, (short) type).putShort(18, (short) machine).putInt(20, 1).putLong(24, entry).putLong(32, phoff);
        b.putShort(52, (short) 64).putShort(54, (short) phentsize);
        b.putShort(56, (short) (phnumOverride != null ? phnumOverride : phdrs.size()));
        for (int k = 0; k < phdrs.size(); k++) {
            Phdr p = phdrs.get(k);
            int at = (int) phoff + 56 * k;
            if (!placePhdrs || at + 56 > size) {
                break;
            }
            b.putInt(at, p.type).putInt(at + 4, p.flags).putLong(at + 8, p.offset).putLong(at + 16, p.vaddr)
                    .putLong(at + 24, p.vaddr).putLong(at + 32, p.filesz).putLong(at + 40, p.memsz).putLong(at + 48, 0x1000);
        }
        for (int k = 0; k < payloads.size(); k++) {
            b.put((int) payloadAt.get(k)[0], payloads.get(k));
        }
        byte[] out = b.array();
        return truncateTo == null ? out : java.util.Arrays.copyOf(out, truncateTo);
    }

    /**
     * A static executable: headers in a read-only page at 0x400000, {@code code} (assembled
     * with nasm at {@link #CODE}) in an R+X segment, and 64 KiB of zeroed R+W data (bss) at
     * 0x600000, which the code can name as {@code DATA}.
     */
    static ElfImage program(String asm) {
        byte[] code = Asm.assemble(PRELUDE + asm, CODE);
        return new ElfImage()
                .segment(1, 4, 0, 0x400000, 64 + 56 * 3, 64 + 56 * 3)
                .segment(1, 5, 0x1000, CODE, code.length, code.length)
                .segment(1, 6, 0x1000 + code.length, 0x600000 + (code.length & 0xFFF), 0, 0x10000)
                .payload(0x1000, code);
    }

    /** NASM definitions for {@link #program}: DATA, SYS n, EXIT_RAX (exit with the low byte of RAX). */
    static final String PRELUDE = """
            DATA equ 0x600000
            %macro SYS 1
                mov eax, %1
                syscall
            %endmacro
            %macro EXIT_RAX 0
                mov edi, eax
                mov eax, 60
                syscall
            %endmacro
            """;
}
