package kernel.log;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.AbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** An SLF4J logger that writes into the {@link Dmesg} ring buffer under its name as component. */
final class KernelLogger extends AbstractLogger {
    private static final long serialVersionUID = 1L;
    private final transient Dmesg dmesg = Dmesg.get();

    KernelLogger(String name) {
        this.name = name;
    }

    private boolean on(kernel.log.Level l) {
        return dmesg.enabled(l);
    }

    @Override public boolean isTraceEnabled() { return on(kernel.log.Level.TRACE); }
    @Override public boolean isTraceEnabled(Marker m) { return isTraceEnabled(); }
    @Override public boolean isDebugEnabled() { return on(kernel.log.Level.DEBUG); }
    @Override public boolean isDebugEnabled(Marker m) { return isDebugEnabled(); }
    @Override public boolean isInfoEnabled() { return on(kernel.log.Level.INFO); }
    @Override public boolean isInfoEnabled(Marker m) { return isInfoEnabled(); }
    @Override public boolean isWarnEnabled() { return on(kernel.log.Level.WARN); }
    @Override public boolean isWarnEnabled(Marker m) { return isWarnEnabled(); }
    @Override public boolean isErrorEnabled() { return on(kernel.log.Level.ERROR); }
    @Override public boolean isErrorEnabled(Marker m) { return isErrorEnabled(); }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
        String msg = MessageFormatter.basicArrayFormat(pattern, args);
        if (t != null) {
            msg = msg + ": " + t;
        }
        dmesg.log(kernel.log.Level.valueOf(level.name()), name, msg);
    }
}
