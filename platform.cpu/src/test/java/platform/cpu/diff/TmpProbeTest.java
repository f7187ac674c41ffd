package platform.cpu.diff;

import org.junit.jupiter.api.Test;

class TmpProbeTest {
    @Test
    void probe() {
        Gen g = new Gen(5);
        for (String asm : new String[] {"bsf rax, rbx", "bsr eax, ebx", "bsf ax, bx", "lzcnt rax, rbx", "lzcnt eax, ebx", "shr rax, cl", "shl eax, cl", "sar ax, cl", "shr bl, cl", "shl byte [DATA], cl", "shld rax, rbx, cl", "shrd eax, ebx, cl", "rcl rax, cl", "ror eax, cl", "rcr bl, cl", "rol bx, cl"}) {
            Differential.Batch b = Differential.batch();
            for (int k = 0; k < 300; k++) {
                MachineState s = g.state();
                if (k < 20) s.set(3, 0);
                s.set(1, 1 + k % 40);
                b.add(asm, s, Differential.ALL);
            }
            try { b.run(); System.out.println("PROBE " + asm + ": all flags match"); }
            catch (AssertionError e) { String m = e.getMessage(); System.out.println("PROBE " + asm + ": " + m.substring(0, m.indexOf('\n')));
              java.util.regex.Matcher mm = java.util.regex.Pattern.compile("(rflags.*differ|r[a-z0-9]+ +host.*)").matcher(m); java.util.Set<String> seen = new java.util.TreeSet<>(); while (mm.find()) seen.add(mm.group().replaceAll(".*: ", "").replaceAll("host=.*", "value")); System.out.println("   " + seen); }
        }
    }
}
