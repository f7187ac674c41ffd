package fkx.loader.internal;

import fkx.loader.FkxClass;
import fkx.loader.FkxHeaders;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The parsed FKX headers of one bundle.
 *
 * @throws IllegalArgumentException from {@link #parse} when a header is missing or malformed
 */
record ModuleHeaders(String name, FkxClass fkxClass, Set<String> flags, int apiVersion, List<String> devices) {
    private static final Set<String> KNOWN_FLAGS = Set.of("core", "required");

    /** True if the headers say this is an FKX module at all. */
    static boolean isModule(Function<String, String> header) {
        return header.apply(FkxHeaders.NAME) != null;
    }

    /** Parses the headers read through {@code header}; bad values name the header. */
    static ModuleHeaders parse(Function<String, String> header) {
        String name = header.apply(FkxHeaders.NAME);
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("missing " + FkxHeaders.NAME);
        }
        String cls = header.apply(FkxHeaders.CLASS);
        if (cls == null) {
            throw new IllegalArgumentException(name + ": missing " + FkxHeaders.CLASS);
        }
        FkxClass fkxClass = FkxClass.parse(cls);
        Set<String> flags = new LinkedHashSet<>();
        for (String f : split(header.apply(FkxHeaders.FLAGS))) {
            if (!KNOWN_FLAGS.contains(f)) {
                throw new IllegalArgumentException(name + ": unknown flag '" + f + "' in " + FkxHeaders.FLAGS + " (core, required)");
            }
            flags.add(f);
        }
        String api = header.apply(FkxHeaders.API_VERSION);
        if (api == null) {
            throw new IllegalArgumentException(name + ": missing " + FkxHeaders.API_VERSION);
        }
        int apiVersion;
        try {
            apiVersion = Integer.parseInt(api.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": " + FkxHeaders.API_VERSION + " is not a number: " + api);
        }
        List<String> devices = new ArrayList<>(split(header.apply(FkxHeaders.DEVICES)));
        return new ModuleHeaders(name.trim(), fkxClass, Set.copyOf(flags), apiVersion, List.copyOf(devices));
    }

    private static List<String> split(String v) {
        if (v == null || v.isBlank()) {
            return List.of();
        }
        return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
