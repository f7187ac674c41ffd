package kernel.log;

/** Message levels, most severe first, with the names {@code dmesg -l} accepts. */
public enum Level {
    ERROR, WARN, INFO, DEBUG, TRACE;

    /** Parses a level name, case-insensitively; {@code warning} and {@code err} are accepted too. */
    public static Level parse(String s) {
        return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "error", "err" -> ERROR;
            case "warn", "warning" -> WARN;
            case "info" -> INFO;
            case "debug" -> DEBUG;
            case "trace" -> TRACE;
            default -> throw new IllegalArgumentException("unknown log level: " + s + " (error, warn, info, debug, trace)");
        };
    }

    /** True if a message at this level passes a filter set to {@code threshold}. */
    public boolean atLeast(Level threshold) {
        return ordinal() <= threshold.ordinal();
    }
}
