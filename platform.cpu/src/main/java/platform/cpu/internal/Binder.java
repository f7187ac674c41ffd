package platform.cpu.internal;

/**
 * Chooses the {@link Op} for a decoded instruction (at decode time, once per cached
 * instruction): by operand size, register or memory form, ModRM.reg for group opcodes,
 * prefixes. Returns {@code null} when the encoding is invalid (the instruction raises #UD
 * when executed).
 */
@FunctionalInterface
public interface Binder {
    Op bind(Insn i);
}
