package platform.cpu.internal;

/**
 * The execution of one decoded instruction. {@code exec} runs with {@code c.rip} already
 * pointing past the instruction ({@code c.rip - i.len} is its first byte); it commits its
 * results or raises a fault with {@link Core#fault} before changing anything visible.
 */
@FunctionalInterface
public interface Op {
    void exec(Core c, Insn i);
}
