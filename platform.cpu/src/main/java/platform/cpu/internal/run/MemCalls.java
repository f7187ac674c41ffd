package platform.cpu.internal.run;

import static platform.cpu.internal.run.Errno.*;

/**
 * System calls on the address space: the program break, anonymous mappings and their
 * protections, advice and resizing. Each handler states the Linux semantics it keeps; the
 * mechanism (regions, page tables, demand paging) is {@link AddressSpace}'s.
 */
final class MemCalls {
    /** Where anonymous mappings go, top-down: below the stack and Linux's 128 MiB gap. */
    static final long MMAP_BASE = Elf.USER_END - (128L << 20);
    static final int MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_SHARED_VALIDATE = 3, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20,
            MAP_NORESERVE = 0x4000, MAP_HUGETLB = 0x40000, MAP_FIXED_NOREPLACE = 0x100000;

    private final AddressSpace as;
    private final long ramBytes;
    private final long[][] limits;
    private long brkStart, brk;

    MemCalls(AddressSpace as, long ramBytes, long[][] limits) {
        this.as = as;
        this.ramBytes = ramBytes;
        this.limits = limits;
    }

    /** Sets the program break: the heap starts at {@code start} (page-aligned, just above the image). */
    void initBrk(long start) {
        brkStart = brk = start;
    }

    /**
     * brk(addr): moves the end of the heap to {@code addr} if it lies at or above the heap start
     * and the pages it needs are free; returns the new break, or the old one if the request is
     * refused (brk(0) just reports it). Heap pages come zeroed on first touch.
     */
    long brk(long addr) {
        if (addr < brkStart || addr > Elf.USER_END) {
            return brk;
        }
        long oldEnd = AddressSpace.pageUp(brk), newEnd = AddressSpace.pageUp(addr);
        if (newEnd > oldEnd) {
            if (!as.isFree(oldEnd, newEnd - oldEnd) || Long.compareUnsigned(newEnd - brkStart, limits[Rlimits.DATA][0]) > 0) {
                return brk;
            }
            as.map(oldEnd, newEnd - oldEnd, AddressSpace.PROT_READ | AddressSpace.PROT_WRITE);
        } else if (newEnd < oldEnd) {
            as.unmap(newEnd, oldEnd - newEnd);
        }
        brk = addr;
        return brk;
    }

    /**
     * mmap(addr, length, prot, flags, fd, offset), anonymous mappings only: -EINVAL for an
     * unaligned offset, a zero length, a bad mapping type or prot bits; -ENODEV for a file
     * mapping of a standard stream, -EBADF for any other fd. MAP_FIXED replaces what is at
     * addr (which must be page-aligned); MAP_FIXED_NOREPLACE fails with -EEXIST instead; a
     * hint is used when the range is free, else the highest free range below the stack gap.
     * A writable private mapping larger than all of RAM fails with -ENOMEM (the heuristic
     * overcommit check). Pages are zero-filled on first touch.
     */
    long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        if ((offset & 0xFFF) != 0) {
            return -EINVAL;
        }
        if ((flags & MAP_ANONYMOUS) == 0) {
            return fd >= 0 && fd <= 2 ? -ENODEV : -EBADF;
        }
        if (length == 0) {
            return -EINVAL;
        }
        long len = AddressSpace.pageUp(length);
        if (len <= 0 || len > Elf.USER_END) {
            return -ENOMEM;
        }
        int type = flags & 0xF;
        if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) {
            return -EINVAL;
        }
        if ((prot & ~7) != 0 || (flags & MAP_HUGETLB) != 0) {
            return -EINVAL;
        }
        if ((prot & AddressSpace.PROT_WRITE) != 0 && type == MAP_PRIVATE && (flags & MAP_NORESERVE) == 0
                && len > ramBytes) {
            return -ENOMEM;
        }
        long at;
        if ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0) {
            if ((addr & 0xFFF) != 0) {
                return -EINVAL;
            }
            if (addr < AddressSpace.MIN_ADDR) {
                return -EPERM;
            }
            if (addr > Elf.USER_END - len) {
                return -ENOMEM;
            }
            if ((flags & MAP_FIXED) == 0 && !as.isFree(addr, len)) {
                return -EEXIST;
            }
            at = addr;
        } else {
            long hint = AddressSpace.pageUp(addr);
            if (hint != 0 && as.isFree(hint, len)) {
                at = hint;
            } else {
                at = as.findFree(len, MMAP_BASE);
                if (at < 0) {
                    return -ENOMEM;
                }
            }
        }
        as.map(at, len, prot);
        return at;
    }

    /** munmap(addr, length): -EINVAL if addr is unaligned, length is 0 or the range leaves user space; unmapping nothing is fine. */
    long munmap(long addr, long length) {
        if ((addr & 0xFFF) != 0 || length == 0) {
            return -EINVAL;
        }
        long len = AddressSpace.pageUp(length);
        if (len <= 0 || addr < 0 || addr > Elf.USER_END - len) {
            return -EINVAL;
        }
        as.unmap(addr, len);
        return 0;
    }

    /** mprotect(addr, length, prot): -EINVAL for an unaligned addr or unknown prot bits, -ENOMEM if part of the range is unmapped. */
    long mprotect(long addr, long length, int prot) {
        if ((addr & 0xFFF) != 0 || (prot & ~7) != 0) {
            return -EINVAL;
        }
        if (length == 0) {
            return 0;
        }
        long len = AddressSpace.pageUp(length);
        if (len <= 0 || addr < 0 || addr > Elf.USER_END - len) {
            return -ENOMEM;
        }
        return as.protect(addr, len, prot) ? 0 : -ENOMEM;
    }

    static final int MADV_DONTNEED = 4, MADV_FREE = 8;

    /**
     * madvise(addr, length, advice): -EINVAL for an unaligned addr or an unknown advice.
     * MADV_DONTNEED and MADV_FREE drop the pages' contents (they read as zero next time: for
     * MADV_FREE that is one of the outcomes Linux allows); every other advice is accepted and
     * changes nothing. -ENOMEM if part of the range is not mapped (the rest is still advised).
     */
    long madvise(long addr, long length, int advice) {
        if ((addr & 0xFFF) != 0 || !(advice >= 0 && advice <= 4 || advice >= 8 && advice <= 23)) {
            return -EINVAL;
        }
        long len = AddressSpace.pageUp(length);
        if (length != 0 && len == 0 || addr + len < addr) {
            return -EINVAL;
        }
        if (len == 0) {
            return 0;
        }
        if (advice == MADV_DONTNEED || advice == MADV_FREE) {
            as.discard(addr, len);
        }
        return as.covered(addr, len) ? 0 : -ENOMEM;
    }

    static final int MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2;

    /**
     * mremap(old_address, old_size, new_size, flags, new_address), for private anonymous
     * mappings: -EINVAL for an unaligned address, unknown flags (MREMAP_DONTUNMAP is not
     * provided), MREMAP_FIXED without MREMAP_MAYMOVE, a zero new size or a zero old size;
     * -EFAULT unless the old range lies in one mapping. Shrinking unmaps the tail; growing
     * extends in place when the old range ends its mapping and the pages after it are free,
     * else moves the pages (MREMAP_MAYMOVE) to a new range, or fails with -ENOMEM.
     * MREMAP_FIXED moves to new_address, replacing what is there.
     */
    long mremap(long addr, long oldSize, long newSize, int flags, long newAddr) {
        if ((flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) != 0 || (flags & MREMAP_FIXED) != 0 && (flags & MREMAP_MAYMOVE) == 0
                || (addr & 0xFFF) != 0) {
            return -EINVAL;
        }
        long oldLen = AddressSpace.pageUp(oldSize), newLen = AddressSpace.pageUp(newSize);
        if (newLen <= 0 || oldLen <= 0 || oldLen > Elf.USER_END || newLen > Elf.USER_END) {
            return newSize == 0 || oldSize == 0 ? -EINVAL : -ENOMEM;
        }
        AddressSpace.Region r = as.regionAt(addr);
        if (r == null || addr + oldLen > r.end()) {
            return -EFAULT;
        }
        if ((flags & MREMAP_FIXED) != 0) {
            if ((newAddr & 0xFFF) != 0 || newAddr < AddressSpace.MIN_ADDR || newAddr > Elf.USER_END - newLen
                    || newAddr < addr + oldLen && addr < newAddr + newLen) {
                return -EINVAL;
            }
            if (oldLen > newLen) {
                as.unmap(addr + newLen, oldLen - newLen);
                oldLen = newLen;
            }
            as.unmap(newAddr, newLen);
            return moveAndGrow(addr, oldLen, newAddr, newLen, r.prot());
        }
        if (newLen <= oldLen) {
            as.unmap(addr + newLen, oldLen - newLen);
            return addr;
        }
        if (addr + oldLen == r.end() && as.isFree(addr + oldLen, newLen - oldLen)) {
            as.map(addr + oldLen, newLen - oldLen, r.prot());
            return addr;
        }
        if ((flags & MREMAP_MAYMOVE) == 0) {
            return -ENOMEM;
        }
        long to = as.findFree(newLen, MMAP_BASE);
        return to < 0 ? -ENOMEM : moveAndGrow(addr, oldLen, to, newLen, r.prot());
    }

    /** Moves [addr, addr+oldLen) to {@code to} and maps the rest up to newLen with the same protection. */
    private long moveAndGrow(long addr, long oldLen, long to, long newLen, int prot) {
        as.move(addr, oldLen, to);
        if (newLen > oldLen) {
            as.map(to + oldLen, newLen - oldLen, prot);
        }
        return to;
    }
}
