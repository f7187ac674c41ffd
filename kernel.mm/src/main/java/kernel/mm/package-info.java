/**
 * Memory management: the physical page allocator (buddy, zones, per-CPU caches, reference
 * counts), slab caches in emulated RAM, DMA buffers, and virtual memory (address spaces on
 * x86-64 page tables, VMAs, page faults with demand-zero (the shared zero page for reads) and copy-on-write, the mmap family,
 * TLB shootdown).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.4.0")
package kernel.mm;
