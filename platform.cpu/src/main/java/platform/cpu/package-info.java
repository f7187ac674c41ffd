/**
 * The x86-64 CPU of the emulated PC: an interpreter for 64-bit user-mode code, its MMU
 * (4-level paging walked in emulated physical memory) and TLB.
 *
 * <p>A {@link platform.cpu.Cpu} runs until an event hands control to the kernel (SYSCALL,
 * an exception, a pending interrupt, HLT, or the end of an instruction budget); see
 * {@link platform.cpu.Exit}. The register file of a task is a plain {@link platform.cpu.CpuState}
 * that the kernel saves, restores and switches. Physical memory is reached through
 * {@link platform.cpu.PhysicalMemory}. Plain Java, no OSGi code.
 */
package platform.cpu;
