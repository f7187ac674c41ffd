package platform.cpu.internal;

/**
 * A run of decoded instructions from one code page that the core executes without looking
 * anything up: it ends after an instruction that may change RIP, CPL, RFLAGS.IF or paging
 * ({@link Insn#ends}), at the page end, or at {@link #MAX} instructions.
 *
 * <p>Lifecycle: made by {@link DecodedCode#block}, valid until a write to its page (or
 * {@link DecodedCode#invalidate}) clears {@link #valid}; an invalid block is never run again.
 */
final class Block {
    static final int MAX = 64;

    /** Linear address of the first instruction (the key of the core's jump cache). */
    final long va;
    /** Physical address of the first instruction. */
    final long pa;
    final Insn[] insns;
    volatile boolean valid = true;

    Block(long va, long pa, Insn[] insns) {
        this.va = va;
        this.pa = pa;
        this.insns = insns;
    }
}
