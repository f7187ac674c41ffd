package platform.cpu.diff;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import platform.cpu.Asm;
import platform.cpu.Vectors;

/**
 * Differential testing of the interpreter against the host CPU.
 *
 * <h2>How it works</h2>
 * A snippet of nasm source is assembled once (at {@link MachineState#CODE}, with an INT3
 * appended) and run twice from the same {@link MachineState}: natively, by a small C runner
 * (diffrunner.c, compiled with gcc into target/ on first use), and in the emulator. Both
 * sides run until the first exception: normally the appended INT3 (#BP), or a fault of the
 * snippet (#DE, #UD, #GP, #PF ...), whose vector, error code, CR2 and RIP are compared too,
 * along with the state at that point (GPRs, RIP, RFLAGS, XMM, MXCSR, x87 registers, the data
 * region). The address space is the same on both sides: data at DATA (read/write, no
 * execute, {@code init.data.length} bytes, the next page unmapped), one read-only page at
 * RODATA (byte k = {@code (k * 37 + 11) & 0xFF}), the code at CODE (read-only); FS and GS bases as
 * in the state (0 by default, so an FS: access faults unless the test sets one). nasm sees
 * {@code DATA}, {@code RODATA} and {@code CODE} as macros; {@code default rel} is on.
 *
 * <h2>Writing a test</h2>
 * <pre>{@code
 * Gen g = new Gen(42);                          // fixed seed: reproducible
 * MachineState s = g.state();                   // random GPRs/flags/XMM/data, RSP inside DATA
 * s.set(RBX, 0x7FFF_FFFF);
 * Differential.check("add eax, ebx", s, Differential.ALL);            // one case
 * Differential.check("shl rax, cl", g.states(500), ALL & ~OF);        // many states, OF masked
 *
 * Differential.Batch b = Differential.batch();  // many snippets, one report
 * for (String op : List.of("add", "sub", "adc")) {
 *     for (MachineState st : g.states(200)) {
 *         b.add(op + " al, bl", st, ALL).name(op);
 *     }
 * }
 * b.run();                                      // fails listing every differing case
 * }</pre>
 * The flags argument says which RFLAGS bits are compared (mask the architecturally undefined
 * ones: e.g. AF after a shift); bits other than CF PF AF ZF SF OF DF are never compared.
 * {@link Case} has further options (ignore registers, x87, XMM, data). Memory operands: point
 * a register into DATA in the snippet ({@code lea rbx, [DATA + 0x100]}) or in the state.
 * Snippets must not make system calls (SYSCALL would run on the host kernel) or depend on
 * CPUID/RDTSC. A test that expects the emulator to differ from this host on purpose (e.g. an
 * extension the host has and the emulated CPU does not announce) uses {@link #emulate} and
 * asserts by hand.
 *
 * <h2>Files</h2>
 * {@link MachineState} (a state), {@link Outcome} (how a run ended), {@link Gen} (random
 * states and edge values), {@link Regs}, {@link Enc}, {@link Operands} (snippet helpers),
 * {@code NativeRunner} and {@code diffrunner.c} (the host side), {@code Emulator} (the
 * emulator side).
 *
 * <h2>Speed</h2>
 * One runner process serves the whole JVM; a case costs tens of microseconds on each side,
 * so thousands of cases take a second or two. Snippets of a batch are assembled together by
 * a few nasm runs (labels are renamed per snippet, so every snippet may use its own "l:",
 * "f:"); snippets with nasm directives ({@code %define}, {@code section}) are assembled one
 * by one. Keep data small (the default is 8 KiB). {@code -Ddiff.verbose=true} prints counts
 * and times per batch, {@code -Ddiff.report=N} describes up to N failing cases (default 12).
 */
public final class Differential {
    public static final long CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, DF = 0x400, OF = 0x800;
    /** The six arithmetic flags. */
    public static final long ARITH = CF | PF | AF | ZF | SF | OF;
    /** Every flag that is compared: the arithmetic flags and DF. */
    public static final long ALL = ARITH | DF;

    /** Native time limit per case, and the emulator's instruction budget. */
    static final int HOST_TIMEOUT_MS = 2000;
    static final long EMU_BUDGET = 20_000_000;
    /** At most this many failing cases are described in a report. */
    static final int REPORT_MAX = Integer.getInteger("diff.report", 12);

    private static final Map<String, byte[]> CODE = new ConcurrentHashMap<>();

    private Differential() {}

    // ---- the API ---------------------------------------------------------------------------

    /** Runs {@code asm} from {@code init} on both sides and fails on any difference (flags as masked). */
    public static void check(String asm, MachineState init, long flags) {
        Batch b = batch();
        b.add(asm, init, flags);
        b.run();
    }

    /** {@link #check(String, MachineState, long)} for many initial states, reported together. */
    public static void check(String asm, Iterable<MachineState> inits, long flags) {
        Batch b = batch();
        for (MachineState s : inits) {
            b.add(asm, s, flags);
        }
        b.run();
    }

    /** A new, empty batch. */
    public static Batch batch() {
        return new Batch();
    }

    /** Runs {@code asm} natively only. */
    public static Outcome host(String asm, MachineState init) {
        return NativeRunner.get().run(assemble(asm), 0, init, HOST_TIMEOUT_MS);
    }

    /** Runs {@code asm} in the emulator only (same address space as the host side). */
    public static Outcome emulate(String asm, MachineState init) {
        try (Emulator e = new Emulator()) {
            e.loadCode(assemble(asm));
            return e.run(0, init, EMU_BUDGET);
        }
    }

    private static final String PRELUDE = "%define DATA 0x" + Long.toHexString(MachineState.DATA) + "\n"
            + "%define RODATA 0x" + Long.toHexString(MachineState.RODATA) + "\n"
            + "%define CODE 0x" + Long.toHexString(MachineState.CODE) + "\n";

    /** The bytes of {@code asm} as the harness runs it (at CODE, INT3 appended); cached per source. */
    public static byte[] assemble(String asm) {
        return CODE.computeIfAbsent(asm, a -> Asm.assemble(PRELUDE + a + "\nint3\n", MachineState.CODE));
    }

    /** Largest snippet assembled together with others; and how many go into one nasm run. */
    private static final int SLOT = 4096, GROUP = 400;

    /**
     * Assembles many snippets with few nasm runs (a process per snippet costs milliseconds):
     * the snippets go into one source as sections that all start at CODE ({@code vstart}),
     * each at its own file offset, followed by a table of their lengths; labels and
     * {@code equ} names are renamed per snippet so they cannot clash (the bytes do not
     * change). Snippets with nasm directives ({@code %}, {@code section}) are assembled alone.
     * A group that nasm rejects (a snippet longer than a slot, a syntax error) falls back to
     * one run per snippet, which then reports the error for the snippet at fault.
     */
    static void assembleAll(List<String> sources) {
        List<String> simple = new ArrayList<>();
        List<String> single = new ArrayList<>();
        for (String a : sources) {
            if (!CODE.containsKey(a)) {
                (a.contains("%") || a.contains("section") ? single : simple).add(a);
            }
        }
        List<List<String>> groups = new ArrayList<>();
        for (int k = 0; k < simple.size(); k += GROUP) {
            groups.add(simple.subList(k, Math.min(simple.size(), k + GROUP)));
        }
        groups.parallelStream().forEach(gr -> {
            if (!assembleGroup(gr)) {
                single.addAll(gr);
            }
        });
        single.parallelStream().forEach(Differential::assemble);
    }

    private static final java.util.regex.Pattern LABEL =
            java.util.regex.Pattern.compile("(?m)^\\s*([A-Za-z_][\\w]*)\\s*(?::|\\s+equ\\b)");

    /** {@code asm} with every label and equ name it defines suffixed with {@code suffix}. */
    static String renameLabels(String asm, String suffix) {
        java.util.regex.Matcher m = LABEL.matcher(asm);
        java.util.Set<String> names = new java.util.HashSet<>();
        while (m.find()) {
            names.add(m.group(1));
        }
        for (String n : names) {
            asm = asm.replaceAll("\\b" + n + "\\b", n + suffix);
        }
        return asm;
    }

    private static boolean assembleGroup(List<String> group) {
        StringBuilder src = new StringBuilder(PRELUDE);
        for (int k = 0; k < group.size(); k++) {
            long start = MachineState.CODE + (long) k * SLOT;
            src.append("section s").append(k).append(" start=0x").append(Long.toHexString(start))
                    .append(" vstart=0x").append(Long.toHexString(MachineState.CODE)).append('\n')
                    .append(renameLabels(group.get(k), "__" + k)).append("\nint3\n__len").append(k).append(" equ $-$$\n");
        }
        src.append("section lengths start=0x").append(Long.toHexString(MachineState.CODE + (long) group.size() * SLOT)).append('\n');
        for (int k = 0; k < group.size(); k++) {
            src.append("dd __len").append(k).append('\n');
        }
        byte[] all;
        try {
            all = Asm.assemble(src.toString(), MachineState.CODE);
        } catch (AssertionError e) {
            return false;
        }
        int table = group.size() * SLOT;
        if (all.length < table + 4 * group.size()) {
            return false;
        }
        for (int k = 0; k < group.size(); k++) {
            int len = (int) MachineState.get(all, table + 4 * k, 4);
            if (len > SLOT) {
                return false;
            }
            CODE.putIfAbsent(group.get(k), java.util.Arrays.copyOfRange(all, k * SLOT, k * SLOT + len));
        }
        return true;
    }

    /** RIP after the appended INT3 of {@code asm}: where a case that runs to its end stops. */
    public static long endRip(String asm) {
        return MachineState.CODE + assemble(asm).length;
    }

    /** True for the vectors that push an error code. */
    static boolean hasErrorCode(int v) {
        return v == Vectors.DF || (v >= Vectors.TS && v <= Vectors.PF) || v == Vectors.AC;
    }

    // ---- cases and batches -----------------------------------------------------------------

    /** One snippet run from one state, with what to compare. Options return {@code this}. */
    public static final class Case {
        final String asm;
        final MachineState init;
        long flags;
        String name;
        int ignoredGprs;
        boolean x87 = true, sse = true, data = true;
        int mxcsrMask = 0xFFFF;
        int expectVector = -2;

        Case(String asm, MachineState init, long flags) {
            this.asm = asm;
            this.init = init;
            this.flags = flags;
        }

        /** A label for the report (e.g. the operation and size). */
        public Case name(String n) {
            name = n;
            return this;
        }

        /** Does not compare these GPRs (by encoding), e.g. a register with an undefined result. */
        public Case ignoreGpr(int... regs) {
            for (int r : regs) {
                ignoredGprs |= 1 << r;
            }
            return this;
        }

        /** Does not compare the x87 state (FCW, FSW, tags, registers). */
        public Case ignoreX87() {
            x87 = false;
            return this;
        }

        /** Does not compare XMM registers and MXCSR. */
        public Case ignoreSse() {
            sse = false;
            return this;
        }

        /** Compares only these MXCSR bits. */
        public Case mxcsrMask(int mask) {
            mxcsrMask = mask;
            return this;
        }

        /** Does not compare the data region. */
        public Case ignoreData() {
            data = false;
            return this;
        }

        /** Also requires the host to end with this vector (e.g. {@link Vectors#BP}: the snippet ran to its end). */
        public Case expect(int vector) {
            expectVector = vector;
            return this;
        }
    }

    /** Many cases, run together and reported together. */
    public static final class Batch {
        private final List<Case> cases = new ArrayList<>();

        /** Adds a case; the state is used as is (not copied) and must not change until {@link #run}. */
        public Case add(String asm, MachineState init, long flags) {
            Case c = new Case(asm, init, flags);
            cases.add(c);
            return c;
        }

        public int size() {
            return cases.size();
        }

        /** Runs every case on both sides; fails with a report of the differing cases. */
        public void run() {
            // assemble the distinct snippets (in parallel: nasm is a process per snippet)
            Map<String, byte[]> code = new LinkedHashMap<>();
            for (Case c : cases) {
                code.putIfAbsent(c.asm, null);
            }
            long t0 = System.nanoTime();
            assembleAll(new ArrayList<>(code.keySet()));
            long t1 = System.nanoTime();
            NativeRunner host = NativeRunner.get();
            List<String> failures = new ArrayList<>();
            int failed = 0;
            try (Emulator emu = new Emulator()) {
                // group cases by snippet so each side loads each snippet once
                Map<String, List<Integer>> bySnippet = new LinkedHashMap<>();
                for (int k = 0; k < cases.size(); k++) {
                    bySnippet.computeIfAbsent(cases.get(k).asm, a -> new ArrayList<>()).add(k);
                }
                for (Map.Entry<String, List<Integer>> e : bySnippet.entrySet()) {
                    byte[] bytes = assemble(e.getKey());
                    emu.loadCode(bytes);
                    for (int k : e.getValue()) {
                        Case c = cases.get(k);
                        Outcome h = host.run(bytes, 0, c.init, HOST_TIMEOUT_MS);
                        Outcome m;
                        try {
                            m = emu.run(0, c.init, EMU_BUDGET);
                        } catch (Emulator.EmulatorCrash crash) {
                            m = crash.outcome;
                            m.problem += stackTop(crash.getCause());
                        }
                        List<String> d = compare(c, h, m);
                        if (!d.isEmpty()) {
                            failed++;
                            if (failures.size() < REPORT_MAX) {
                                failures.add(describe(k, c, h, m, d));
                            }
                        }
                    }
                }
            }
            if (Boolean.getBoolean("diff.verbose")) {
                System.out.printf("differential batch: %d snippets, %d cases; assembling %d ms, running %d ms%n",
                        code.size(), cases.size(), (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
            }
            if (failed > 0) {
                fail(failed + " of " + cases.size() + " differential cases differ from the host CPU"
                        + (failed > failures.size() ? " (first " + failures.size() + " shown)" : "") + ":\n\n"
                        + String.join("\n", failures));
            }
        }
    }

    // ---- comparison and reports ------------------------------------------------------------

    /** Every difference between host outcome {@code h} and emulator outcome {@code m}, as report lines. */
    static List<String> compare(Case c, Outcome h, Outcome m) {
        List<String> d = new ArrayList<>();
        if (h.problem != null || m.problem != null || h.vector != m.vector || h.rip != m.rip
                || (hasErrorCode(h.vector) && h.errorCode != m.errorCode)
                || (h.vector == Vectors.PF && h.cr2 != m.cr2)) {
            d.add("the runs ended differently (see above)");
        }
        if (c.expectVector != -2 && h.vector != c.expectVector) {
            d.add("host ended with " + h.event() + ", the test expects " + Vectors.name(c.expectVector));
        }
        MachineState a = h.state, b = m.state;
        for (int k = 0; k < 16; k++) {
            if ((c.ignoredGprs & 1 << k) == 0 && a.gpr[k] != b.gpr[k]) {
                d.add(String.format("%-6s host=%016x emu=%016x", MachineState.NAMES[k], a.gpr[k], b.gpr[k]));
            }
        }
        long fm = c.flags & ALL;
        if (((a.rflags ^ b.rflags) & fm) != 0) {
            d.add(String.format("rflags host=%x emu=%x (compared %x): %s differ", a.rflags & fm, b.rflags & fm, fm,
                    flagNames((a.rflags ^ b.rflags) & fm)));
        }
        if (c.sse) {
            for (int n = 0; n < 16; n++) {
                if (a.xmm[2 * n] != b.xmm[2 * n] || a.xmm[2 * n + 1] != b.xmm[2 * n + 1]) {
                    d.add(String.format("xmm%-3d host=%016x:%016x emu=%016x:%016x", n, a.xmm[2 * n + 1], a.xmm[2 * n],
                            b.xmm[2 * n + 1], b.xmm[2 * n]));
                }
            }
            if (((a.mxcsr ^ b.mxcsr) & c.mxcsrMask) != 0) {
                d.add(String.format("mxcsr  host=%x emu=%x (compared %x)", a.mxcsr, b.mxcsr, c.mxcsrMask));
            }
        }
        if (c.x87) {
            if (a.fcw != b.fcw) {
                d.add(String.format("fcw    host=%x emu=%x", a.fcw, b.fcw));
            }
            if (a.fsw != b.fsw) {
                d.add(String.format("fsw    host=%x emu=%x", a.fsw, b.fsw));
            }
            if (a.abridgedTag() != b.abridgedTag()) {
                d.add(String.format("tags   host=%02x emu=%02x (bit p: physical register p in use)", a.abridgedTag(),
                        b.abridgedTag()));
            }
            for (int p = 0; p < 8; p++) {
                if (!a.empty(p) && !b.empty(p) && (a.fpuM[p] != b.fpuM[p] || a.fpuSE[p] != b.fpuSE[p])) {
                    d.add(String.format("R%d     host=%04x:%016x emu=%04x:%016x (ST(%d) on the host)", p, a.fpuSE[p],
                            a.fpuM[p], b.fpuSE[p], b.fpuM[p], (p - a.top()) & 7));
                }
            }
        }
        if (c.data) {
            int shown = 0;
            for (int off = 0; off < a.data.length; off += 8) {
                long x = a.peek(off, 8), y = b.peek(off, 8);
                if (x != y) {
                    if (shown++ < 6) {
                        d.add(String.format("[DATA+%x] host=%016x emu=%016x (qword)", off, x, y));
                    }
                }
            }
            if (shown > 6) {
                d.add("... " + (shown - 6) + " more differing qwords of data");
            }
        }
        return d;
    }

    private static String flagNames(long f) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"CF", "", "PF", "", "AF", "", "ZF", "SF", "", "", "DF", "OF"};
        for (int b = 0; b < names.length; b++) {
            if ((f >> b & 1) != 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(names[b]);
            }
        }
        return sb.toString();
    }

    private static String describe(int index, Case c, Outcome h, Outcome m, List<String> diffs) {
        StringBuilder sb = new StringBuilder();
        sb.append("case ").append(index).append(c.name != null ? " (" + c.name + ")" : "").append(":\n");
        for (String line : c.asm.strip().split("\n")) {
            sb.append("    | ").append(line.strip()).append('\n');
        }
        sb.append("  initial state:\n");
        for (String line : c.init.toString().split("\n")) {
            sb.append("    ").append(line).append('\n');
        }
        sb.append("  host ").append(h.event()).append("; emulator ").append(m.event()).append('\n');
        for (String line : diffs) {
            sb.append("  ").append(line).append('\n');
        }
        return sb.toString();
    }

    private static String stackTop(Throwable t) {
        StringBuilder sb = new StringBuilder();
        StackTraceElement[] st = t.getStackTrace();
        for (int k = 0; k < Math.min(6, st.length); k++) {
            sb.append("\n        at ").append(st[k]);
        }
        return sb.toString();
    }
}
