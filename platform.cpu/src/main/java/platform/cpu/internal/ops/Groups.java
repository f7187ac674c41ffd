package platform.cpu.internal.ops;

import platform.cpu.internal.Opcodes;

/**
 * Every instruction group, registered into the opcode tables. One class per group; each
 * states the opcodes it owns in its header comment.
 */
public final class Groups {
    private Groups() {}

    public static void registerAll(Opcodes t) {
        Alu.register(t);
        Moves.register(t);
        Stack.register(t);
        Branch.register(t);
        Sys.register(t);
        Shifts.register(t);
        BitOps.register(t);
        StringOps.register(t);
        Atomics.register(t);
        Sse.register(t);
        X87.register(t);
    }
}
