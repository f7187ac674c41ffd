package fkx.loader.internal;

import fkx.loader.FkxModule;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Matches a device ID against one entry of a module's {@code FKX-Devices} header (the loader's
 * modalias matching, see {@link fkx.loader.FkxHeaders}).
 *
 * <p>Device IDs: {@code pci:VVVV:DDDD} or {@code pci:VVVV:DDDD:CCCCCC} (vendor, device, and the
 * 24-bit class code: base class, subclass, programming interface), hexadecimal, compared
 * case-insensitively. Patterns: {@code pci:V:D} or {@code pci:V:D:CCCCCC[/MMMMMM]} where V and D
 * are hex numbers or {@code *}, and the optional class is compared under the mask (default
 * {@code ffffff}). A pattern with a class matches only device IDs that carry one. IDs of any
 * other bus are compared as whole strings (case-insensitively).
 */
final class DeviceMatch {
    private DeviceMatch() {}

    /** How well {@code pattern} matches {@code deviceId}. */
    enum Quality {
        /** No match (or a malformed pattern or ID). */
        NONE,
        /** Matches through a wildcard or a class. */
        GENERIC,
        /** Names the device's vendor and device exactly (or the whole ID, for other buses). */
        EXACT
    }

    /**
     * The modules of {@code modules} with an {@code FKX-Devices} entry matching {@code deviceId},
     * in the order {@code loadFor} loads them (live ones included, for the caller to skip): an
     * exact vendor:device entry before wildcard and class entries, modules installed (loaded,
     * live or failed) before those only in the repository, then by name.
     */
    static List<FkxModule> modprobeOrder(List<FkxModule> modules, String deviceId) {
        record Candidate(FkxModule module, Quality quality) {}
        List<Candidate> candidates = new ArrayList<>();
        for (FkxModule m : modules) {
            Quality best = Quality.NONE;
            for (String pattern : m.devices()) {
                Quality q = match(pattern, deviceId);
                if (q.compareTo(best) > 0) {
                    best = q;
                }
            }
            if (best != Quality.NONE) {
                candidates.add(new Candidate(m, best));
            }
        }
        candidates.sort(Comparator.comparing((Candidate c) -> c.quality() == Quality.EXACT ? 0 : 1)
                .thenComparing(c -> c.module().state() == FkxModule.State.AVAILABLE ? 1 : 0)
                .thenComparing(c -> c.module().name()));
        return candidates.stream().map(Candidate::module).toList();
    }

    /** True if {@code deviceId} is well formed for its bus. */
    static boolean validId(String deviceId) {
        if (deviceId == null || deviceId.isBlank()) {
            return false;
        }
        String id = deviceId.trim().toLowerCase(Locale.ROOT);
        if (!id.startsWith("pci:")) {
            return id.indexOf(':') > 0;
        }
        String[] f = id.split(":", -1);
        if (f.length != 3 && f.length != 4) {
            return false;
        }
        return hex(f[1], 4) >= 0 && hex(f[2], 4) >= 0 && (f.length == 3 || hex(f[3], 6) >= 0);
    }

    /** Matches {@code deviceId} against {@code pattern}. */
    static Quality match(String pattern, String deviceId) {
        if (pattern == null || !validId(deviceId)) {
            return Quality.NONE;
        }
        String p = pattern.trim().toLowerCase(Locale.ROOT);
        String id = deviceId.trim().toLowerCase(Locale.ROOT);
        if (!id.startsWith("pci:")) {
            return p.equals(id) ? Quality.EXACT : Quality.NONE;
        }
        String[] pf = p.split(":", -1);
        String[] df = id.split(":", -1);
        if (!pf[0].equals("pci") || (pf.length != 3 && pf.length != 4)) {
            return Quality.NONE;
        }
        int vendor = field(pf[1]);
        int device = field(pf[2]);
        if (vendor == -2 || device == -2) {
            return Quality.NONE;
        }
        if ((vendor != -1 && vendor != hex(df[1], 4)) || (device != -1 && device != hex(df[2], 4))) {
            return Quality.NONE;
        }
        if (pf.length == 4) {
            if (df.length != 4) {
                return Quality.NONE;
            }
            String[] cm = pf[3].split("/", -1);
            if (cm.length > 2) {
                return Quality.NONE;
            }
            int code = hex(cm[0], 6);
            int mask = cm.length == 2 ? hex(cm[1], 6) : 0xFF_FFFF;
            if (code < 0 || mask < 0 || (code & mask) != (hex(df[3], 6) & mask)) {
                return Quality.NONE;
            }
        }
        return vendor != -1 && device != -1 ? Quality.EXACT : Quality.GENERIC;
    }

    /** A vendor or device field: -1 for {@code *}, -2 if malformed. */
    private static int field(String s) {
        if (s.equals("*")) {
            return -1;
        }
        int v = hex(s, 4);
        return v < 0 ? -2 : v;
    }

    /** {@code s} as a hex number of at most {@code digits} digits, or -1. */
    private static int hex(String s, int digits) {
        if (s.isEmpty() || s.length() > digits) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0) {
                return -1;
            }
            v = v * 16 + d;
        }
        return v;
    }
}
