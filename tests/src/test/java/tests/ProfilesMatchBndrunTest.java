package tests;

import static org.junit.Assert.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.Test;

/**
 * The bundle sets that the Pax Exam tests boot ({@link Kestrel#MINIMAL}, {@link Kestrel#DEFAULT})
 * are the ones bnd's resolver chose for the distro's profiles ({@code -runbundles} in
 * {@code distro/*.bndrun}), so the tests exercise what users boot.
 */
public class ProfilesMatchBndrunTest {
    private static final Pattern BUNDLE = Pattern.compile("^\\s*([\\w.\\-]+);version=", Pattern.MULTILINE);

    @Test
    public void minimalProfile() throws IOException {
        assertEquals(runbundles("minimal"), symbolicNames(Kestrel.MINIMAL));
    }

    @Test
    public void defaultProfile() throws IOException {
        assertEquals(runbundles("default"), symbolicNames(Kestrel.DEFAULT));
    }

    /** The symbolic names in a profile's resolved {@code -runbundles}. */
    static Set<String> runbundles(String profile) throws IOException {
        Path bndrun = Path.of(System.getProperty("kestrel.test.distro", "../distro"), profile + ".bndrun");
        String text = Files.readString(bndrun);
        int at = text.indexOf("-runbundles:");
        if (at < 0) {
            throw new AssertionError(bndrun + " has no -runbundles (resolve it with ./kestrel build)");
        }
        Set<String> names = new TreeSet<>();
        Matcher m = BUNDLE.matcher(text.substring(at + "-runbundles:".length()).replace("\\\n", "\n"));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** The Bundle-SymbolicName of each bundle named by a {@code b.*} system property. */
    static Set<String> symbolicNames(List<String> properties) throws IOException {
        Set<String> names = new TreeSet<>();
        for (String p : properties) {
            String path = System.getProperty(p);
            if (path == null) {
                throw new AssertionError("system property " + p + " is not set (run the tests through Maven)");
            }
            try (JarFile jar = new JarFile(path)) {
                String bsn = jar.getManifest().getMainAttributes().getValue("Bundle-SymbolicName");
                names.add(bsn.split(";")[0].trim());
            }
        }
        return names;
    }
}
