package tests;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;

/** A kernel shell session as the console runs it: each command's output, then its result on a line of its own. */
final class Shell implements AutoCloseable {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CommandSession session;

    Shell(CommandProcessor processor) {
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        session = processor.createSession(new ByteArrayInputStream(new byte[0]), ps, ps);
    }

    /** Runs one command line and returns what it printed and returned. */
    String sh(String cmd) throws Exception {
        out.reset();
        Object result = session.execute(cmd);
        if (result != null) {
            CharSequence text = session.format(result, Converter.INSPECT);
            return out.toString(StandardCharsets.UTF_8) + (text.isEmpty() ? "" : text + "\n");
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        session.close();
    }
}
