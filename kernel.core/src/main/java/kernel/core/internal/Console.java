package kernel.core.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import kernel.core.Kernel;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel console: the shell on the machine's terminal.
 *
 * <p>It waits for the end of boot, then either runs the commands given with
 * {@code --exec} (framework property {@code kestrel.exec}) and shuts the kernel down, or reads
 * commands from the terminal until {@code shutdown} or end of input. A line may hold several
 * commands separated by {@code ;}; each runs on its own, prints its result, and a failing one
 * prints its error without stopping the rest. Commands are Gogo commands contributed by the
 * modules that own them.
 */
@Component(immediate = true)
public final class Console {
    static final String PROMPT = "kestrel# ";
    private static final Logger LOG = LoggerFactory.getLogger("kernel.console");

    @Reference
    private Kernel kernel;

    @Reference
    private CommandProcessor processor;

    private Thread thread;
    private volatile boolean stopping;

    @Activate
    void activate(BundleContext context) {
        String exec = context.getProperty("kestrel.exec");
        boolean interactive = exec == null && !"false".equals(context.getProperty("kestrel.console"));
        if (exec == null && !interactive) {
            return;
        }
        PrintStream out = KernelImpl.console();
        InputStream in = KernelImpl.console() == System.out ? System.in : new java.io.FileInputStream(java.io.FileDescriptor.in);
        thread = Thread.ofPlatform().name("console").daemon().start(() -> run(exec, in, out));
    }

    @Deactivate
    void deactivate() {
        stopping = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void run(String exec, InputStream in, PrintStream out) {
        try {
            if (!kernel.awaitBoot(Duration.ofSeconds(120))) {
                LOG.warn("boot did not complete in 120 s; starting the console anyway");
            }
        } catch (InterruptedException e) {
            return;
        }
        CommandSession session = processor.createSession(in, out, System.err);
        try {
            if (exec != null) {
                for (String cmd : CommandLine.split(exec)) {
                    if (stopping) {
                        return;
                    }
                    out.println(PROMPT + cmd);
                    execute(session, cmd, out);
                }
                kernel.shutdown();
                return;
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            while (!stopping) {
                out.print(PROMPT);
                out.flush();
                String line = reader.readLine();
                if (line == null) {
                    out.println();
                    kernel.shutdown();
                    return;
                }
                for (String cmd : CommandLine.split(line)) {
                    execute(session, cmd, out);
                }
                if (kernel instanceof KernelImpl k && k.shuttingDown()) {
                    return;
                }
            }
        } catch (IOException e) {
            LOG.error("console input failed", e);
            kernel.shutdown();
        } finally {
            session.close();
        }
    }

    /** Runs one command and prints its result or its error; never throws. */
    static void execute(CommandSession session, String cmd, PrintStream out) {
        try {
            Object result = session.execute(cmd);
            if (result != null) {
                CharSequence text = session.format(result, Converter.INSPECT);
                if (text != null && text.length() > 0) {
                    out.println(text);
                }
            }
        } catch (Exception e) {
            Throwable bug = bug(e);
            out.println(describe(e));
            if (bug != null) {
                oops(cmd, bug);
            }
        } catch (Throwable t) {
            out.println("error: " + t);
            oops(cmd, t);
        }
        out.flush();
    }

    /** The JVM error inside {@code e} (a kernel bug rather than a user error), if any. */
    private static Throwable bug(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof Error) {
                return c;
            }
        }
        return null;
    }

    /** Reports a kernel bug hit by a command, Linux-oops style: the trace goes to the log. */
    private static void oops(String cmd, Throwable t) {
        StringBuilder sb = new StringBuilder("oops in '" + cmd + "': " + t);
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < Math.min(st.length, 12); i++) {
            sb.append("\n    at ").append(st[i]);
        }
        LOG.error(sb.toString());
    }

    /** A one-line error for the user: the command's own message, not a stack trace. */
    static String describe(Throwable e) {
        if (e.getClass().getName().endsWith("CommandNotFoundException")) {
            return "command not found: " + e.getMessage().replaceFirst("^Command not found: ", "");
        }
        Throwable root = e;
        while (root.getCause() != null && (root.getMessage() == null || root instanceof java.lang.reflect.InvocationTargetException)) {
            root = root.getCause();
        }
        String msg = root.getMessage();
        return "error: " + (msg == null ? root.getClass().getSimpleName() : msg);
    }
}
