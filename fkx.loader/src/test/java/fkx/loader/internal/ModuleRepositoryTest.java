package fkx.loader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Version;

class ModuleRepositoryTest {
    @TempDir
    Path dir;

    private static String resource(String name, String version, String url, String extra) {
        return """
              <resource>
                <capability namespace="osgi.identity">
                  <attribute name="osgi.identity" value="%s"/>
                  <attribute name="type" value="osgi.bundle"/>
                  <attribute name="version" value="%s" type="Version"/>
                </capability>
                <capability namespace="osgi.content">
                  <attribute name="size" value="1234" type="Long"/>
                  <attribute name="url" value="%s"/>
                </capability>
                %s
              </resource>
            """.formatted(name, version, url, extra);
    }

    private static final String INDEX = """
            <?xml version="1.0" encoding="UTF-8"?>
            <repository xmlns="http://www.osgi.org/xmlns/repository/v1.0.0" name="test" increment="1">
            """
            + resource("fs.fat", "0.1.0", "fs.fat-0.1.0.jar", """
                <capability namespace="osgi.wiring.package">
                  <attribute name="osgi.wiring.package" value="fs.fat"/>
                  <attribute name="version" value="0.1.0" type="Version"/>
                  <attribute name="hashes" value="1, -2,3" type="List&lt;Long&gt;"/>
                  <directive name="uses" value="fs.vfs"/>
                </capability>
                <requirement namespace="osgi.wiring.package">
                  <directive name="filter" value="(&amp;(osgi.wiring.package=fs.vfs)(version&gt;=0.1.0)(!(version&gt;=1.0.0)))"/>
                </requirement>
                <requirement namespace="osgi.wiring.package">
                  <directive name="filter" value="(osgi.wiring.package=org.slf4j)"/>
                  <directive name="resolution" value="optional"/>
                </requirement>
                <requirement namespace="osgi.ee">
                  <directive name="filter" value="(&amp;(osgi.ee=JavaSE)(version=25))"/>
                  <directive name="effective" value="active"/>
                </requirement>
            """)
            + resource("fs.fat", "0.2.0", "sub/fs.fat-0.2.0.jar", "")
            + resource("fs.vfs", "0.1.0", "fs.vfs.jar", """
                <capability namespace="osgi.wiring.package">
                  <attribute name="osgi.wiring.package" value="fs.vfs"/>
                  <attribute name="version" value="0.1.0" type="Version"/>
                </capability>
                <capability namespace="osgi.service">
                  <attribute name="objectClass" value="fs.vfs.Vfs, fs.vfs.Other" type="List&lt;String&gt;"/>
                </capability>
                <capability namespace="osgi.ee">
                  <attribute name="osgi.ee" value="JavaSE"/>
                  <attribute name="version" value="17,21,25" type="List&lt;Version&gt;"/>
                  <attribute name="ratio" value="0.5" type="Double"/>
                </capability>
            """)
            + resource("fs.vfs", "1.0.0", "fs.vfs-1.jar", """
                <capability namespace="osgi.wiring.package">
                  <attribute name="osgi.wiring.package" value="fs.vfs"/>
                  <attribute name="version" value="1.0.0" type="Version"/>
                </capability>
            """)
            + """
              <resource>
                <capability namespace="osgi.identity">
                  <attribute name="osgi.identity" value="no.content"/>
                  <attribute name="version" value="1.0.0" type="Version"/>
                </capability>
              </resource>
            </repository>
            """;

    private Path write(String name, String content) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, content, StandardCharsets.UTF_8);
        return p;
    }

    private static ModuleRepository.Clause req(String ns, String filter) {
        return new ModuleRepository.Clause(ns, Map.of(), filter == null ? Map.of() : Map.of("filter", filter));
    }

    private static List<String> ids(List<ModuleRepository.Resource> rs) {
        return rs.stream().map(r -> r.name() + "@" + r.version()).toList();
    }

    @Test
    void readsResourcesWithLocationsResolvedAgainstTheIndex() throws IOException {
        ModuleRepository repo = ModuleRepository.read(write("index.xml", INDEX));
        assertEquals(List.of("fs.fat@0.1.0", "fs.fat@0.2.0", "fs.vfs@0.1.0", "fs.vfs@1.0.0"), ids(repo.resources()),
                "a resource without osgi.content is skipped");
        ModuleRepository.Resource fat = repo.resources().get(0);
        assertEquals(dir.toAbsolutePath().resolve("fs.fat-0.1.0.jar").toUri(), fat.location());
        assertEquals(dir.toAbsolutePath().resolve("sub/fs.fat-0.2.0.jar").toUri(), repo.resources().get(1).location());
        assertEquals(List.of("osgi.identity", "osgi.content", "osgi.wiring.package"),
                fat.capabilities().stream().map(ModuleRepository.Clause::namespace).toList());
        assertEquals(3, fat.requirements().size());
    }

    @Test
    void attributesAreTyped() throws IOException {
        ModuleRepository repo = ModuleRepository.read(write("index.xml", INDEX));
        ModuleRepository.Resource fat = repo.resources().get(0);
        ModuleRepository.Clause content = fat.capabilities().stream().filter(c -> c.namespace().equals("osgi.content"))
                .findFirst().orElseThrow();
        assertEquals(1234L, content.attributes().get("size"));
        ModuleRepository.Clause pkg = fat.capabilities().stream().filter(c -> c.namespace().equals("osgi.wiring.package"))
                .findFirst().orElseThrow();
        assertEquals(new Version(0, 1, 0), pkg.attributes().get("version"));
        assertEquals(List.of(1L, -2L, 3L), pkg.attributes().get("hashes"));
        assertEquals("fs.vfs", pkg.directives().get("uses"));

        ModuleRepository.Resource vfs = repo.resources().get(2);
        ModuleRepository.Clause svc = vfs.capabilities().stream().filter(c -> c.namespace().equals("osgi.service"))
                .findFirst().orElseThrow();
        assertEquals(List.of("fs.vfs.Vfs", "fs.vfs.Other"), svc.attributes().get("objectClass"));
        ModuleRepository.Clause ee = vfs.capabilities().stream().filter(c -> c.namespace().equals("osgi.ee"))
                .findFirst().orElseThrow();
        assertEquals(List.of(new Version(17, 0, 0), new Version(21, 0, 0), new Version(25, 0, 0)), ee.attributes().get("version"));
        assertEquals(0.5, ee.attributes().get("ratio"));
    }

    @Test
    void requirementDirectives() throws IOException {
        List<ModuleRepository.Clause> reqs = ModuleRepository.read(write("index.xml", INDEX)).resources().get(0).requirements();
        assertEquals(3, reqs.size());
        assertFalse(reqs.get(0).optional());
        assertTrue(reqs.get(0).effectiveResolve());
        assertTrue(reqs.get(1).optional());
        assertFalse(reqs.get(2).effectiveResolve());
    }

    @Test
    void findPicksTheHighestVersion() throws IOException {
        ModuleRepository repo = ModuleRepository.read(write("index.xml", INDEX));
        assertEquals(new Version(0, 2, 0), repo.find("fs.fat").orElseThrow().version());
        assertEquals(new Version(1, 0, 0), repo.find("fs.vfs").orElseThrow().version());
        assertTrue(repo.find("fs.ext2").isEmpty());
        assertTrue(repo.find("no.content").isEmpty());
    }

    @Test
    void providersMatchThePackageFilterHighestFirst() throws IOException {
        ModuleRepository repo = ModuleRepository.read(write("index.xml", INDEX));
        ModuleRepository.Clause fatNeedsVfs = repo.resources().get(0).requirements().get(0);
        assertEquals(List.of("fs.vfs@0.1.0"), ids(repo.providers(fatNeedsVfs)), "version range excludes 1.0.0");
        assertEquals(List.of("fs.vfs@1.0.0", "fs.vfs@0.1.0"),
                ids(repo.providers(req("osgi.wiring.package", "(osgi.wiring.package=fs.vfs)"))));
        assertEquals(List.of(), ids(repo.providers(req("osgi.wiring.package", "(osgi.wiring.package=fs.ext2)"))));
        assertEquals(List.of("fs.vfs@0.1.0"), ids(repo.providers(req("osgi.service", "(objectClass=fs.vfs.Vfs)"))),
                "a filter matches one element of a list attribute");
        assertEquals(List.of("fs.vfs@0.1.0"), ids(repo.providers(repo.resources().get(0).requirements().get(2))),
                "osgi.ee version list matches version=25");
        assertEquals(List.of(), ids(repo.providers(req("osgi.wiring.package", "(broken"))), "a bad filter matches nothing");
        assertEquals(4, repo.providers(req("osgi.identity", null)).size(), "no filter matches every capability of the namespace");
    }

    @Test
    void gzippedIndex() throws IOException {
        Path gz = dir.resolve("index.xml.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(INDEX.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(4, ModuleRepository.read(gz).resources().size());
    }

    @Test
    void notARepositoryIsAnIOException() throws IOException {
        Path p = write("pom.xml", "<project><modelVersion>4.0.0</modelVersion></project>");
        IOException e = assertThrows(IOException.class, () -> ModuleRepository.read(p));
        assertTrue(e.getMessage().contains("not an OSGi repository index") && e.getMessage().contains("project")
                && e.getMessage().contains(p.toString()), e.getMessage());
    }

    @Test
    void brokenFileIsAnIOException() throws IOException {
        Path p = write("index.xml", "<repository><resource><capability namespace=");
        IOException e = assertThrows(IOException.class, () -> ModuleRepository.read(p));
        assertTrue(e.getMessage().contains("unreadable repository index") && e.getMessage().contains(p.toString()), e.getMessage());
        Path badVersion = write("bad.xml", INDEX.replace("value=\"0.2.0\"", "value=\"zero.two\""));
        e = assertThrows(IOException.class, () -> ModuleRepository.read(badVersion));
        assertTrue(e.getMessage().contains("unreadable repository index"), e.getMessage());
        Path doctype = write("dt.xml", "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x \"y\">]><repository>&x;</repository>");
        assertThrows(IOException.class, () -> ModuleRepository.read(doctype), "DOCTYPE refused (no XXE)");
        assertThrows(IOException.class, () -> ModuleRepository.read(dir.resolve("missing.xml")));
    }

    @Test
    void emptyRepository() {
        ModuleRepository e = ModuleRepository.empty();
        assertEquals(List.of(), e.resources());
        assertTrue(e.find("x").isEmpty());
        assertEquals("(no module repository)", e.toString());
    }
}
