package fkx.loader.internal;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.Version;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The distro's module repository: an OSGi repository index (the R5 XML format written by
 * bnd's indexer) listing every extension bundle shipped with the distro, with its
 * capabilities and requirements and where its jar is. The loader uses it the way modprobe
 * uses modules.dep: to find a module by name and what must be loaded before it.
 */
final class ModuleRepository {
    /** A capability or requirement: namespace, attributes, directives. */
    record Clause(String namespace, Map<String, Object> attributes, Map<String, String> directives) {
        String filter() {
            return directives.get("filter");
        }

        boolean optional() {
            return "optional".equals(directives.get("resolution"));
        }

        boolean effectiveResolve() {
            String e = directives.get("effective");
            return e == null || e.equals("resolve");
        }
    }

    /** One bundle of the repository. */
    record Resource(String name, Version version, URI location, List<Clause> capabilities, List<Clause> requirements) {
        /** True if one of its capabilities matches {@code req}. */
        boolean provides(Clause req) {
            for (Clause c : capabilities) {
                if (c.namespace().equals(req.namespace()) && matches(req, c.attributes())) {
                    return true;
                }
            }
            return false;
        }
    }

    private final Path index;
    private final List<Resource> resources;

    private ModuleRepository(Path index, List<Resource> resources) {
        this.index = index;
        this.resources = List.copyOf(resources);
    }

    /** An empty repository, when the distro has none. */
    static ModuleRepository empty() {
        return new ModuleRepository(null, List.of());
    }

    /**
     * Reads the index at {@code index} ({@code index.xml}, or gzipped if it ends in .gz).
     *
     * @throws IOException if the index cannot be read or is not a repository index
     */
    static ModuleRepository read(Path index) throws IOException {
        try (InputStream raw = Files.newInputStream(index);
                InputStream in = index.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = f.newDocumentBuilder().parse(in);
            Element root = doc.getDocumentElement();
            if (!"repository".equals(root.getLocalName())) {
                throw new IOException(index + ": not an OSGi repository index (root element " + root.getLocalName() + ")");
            }
            List<Resource> out = new ArrayList<>();
            NodeList rs = root.getElementsByTagNameNS("*", "resource");
            for (int i = 0; i < rs.getLength(); i++) {
                Resource r = resource((Element) rs.item(i), index.toAbsolutePath().getParent().toUri());
                if (r != null) {
                    out.add(r);
                }
            }
            return new ModuleRepository(index, out);
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(index + ": unreadable repository index: " + e.getMessage(), e);
        }
    }

    private static Resource resource(Element e, URI base) {
        List<Clause> caps = clauses(e, "capability");
        List<Clause> reqs = clauses(e, "requirement");
        String name = null;
        Version version = Version.emptyVersion;
        URI location = null;
        for (Clause c : caps) {
            if (c.namespace().equals("osgi.identity")) {
                name = (String) c.attributes().get("osgi.identity");
                Object v = c.attributes().get("version");
                version = v instanceof Version vv ? vv : Version.parseVersion(String.valueOf(v));
            } else if (c.namespace().equals("osgi.content") && location == null) {
                location = base.resolve(String.valueOf(c.attributes().get("url")));
            }
        }
        return name == null || location == null ? null : new Resource(name, version, location, caps, reqs);
    }

    private static List<Clause> clauses(Element resource, String tag) {
        List<Clause> out = new ArrayList<>();
        NodeList list = resource.getElementsByTagNameNS("*", tag);
        for (int i = 0; i < list.getLength(); i++) {
            Element c = (Element) list.item(i);
            Map<String, Object> attrs = new HashMap<>();
            Map<String, String> dirs = new HashMap<>();
            NodeList as = c.getElementsByTagNameNS("*", "attribute");
            for (int j = 0; j < as.getLength(); j++) {
                Element a = (Element) as.item(j);
                attrs.put(a.getAttribute("name"), typed(a.getAttribute("type"), a.getAttribute("value")));
            }
            NodeList ds = c.getElementsByTagNameNS("*", "directive");
            for (int j = 0; j < ds.getLength(); j++) {
                Element d = (Element) ds.item(j);
                dirs.put(d.getAttribute("name"), d.getAttribute("value"));
            }
            out.add(new Clause(c.getAttribute("namespace"), attrs, dirs));
        }
        return out;
    }

    private static Object typed(String type, String value) {
        return switch (type == null ? "" : type) {
            case "Version" -> Version.parseVersion(value);
            case "Long" -> Long.valueOf(value.trim());
            case "Double" -> Double.valueOf(value.trim());
            case "List<String>" -> List.of(value.split("\\s*,\\s*"));
            case "List<Version>" -> list(value).stream().map(Version::parseVersion).toList();
            case "List<Long>" -> list(value).stream().map(Long::valueOf).toList();
            case "List<Double>" -> list(value).stream().map(Double::valueOf).toList();
            default -> value;
        };
    }

    private static List<String> list(String value) {
        return List.of(value.trim().split("\\s*,\\s*"));
    }

    /** True if {@code attributes} satisfy the filter of requirement {@code req}. */
    static boolean matches(Clause req, Map<String, ?> attributes) {
        String filter = req.filter();
        if (filter == null) {
            return true;
        }
        try {
            Filter f = FrameworkUtil.createFilter(filter);
            return f.matches(attributes);
        } catch (InvalidSyntaxException e) {
            return false;
        }
    }

    List<Resource> resources() {
        return resources;
    }

    /** The highest version of the bundle called {@code name}. */
    Optional<Resource> find(String name) {
        return resources.stream().filter(r -> r.name().equals(name)).max((a, b) -> a.version().compareTo(b.version()));
    }

    /** Every resource that provides a capability matching {@code req}, highest version first. */
    List<Resource> providers(Clause req) {
        List<Resource> out = new ArrayList<>();
        for (Resource r : resources) {
            if (r.provides(req)) {
                out.add(r);
            }
        }
        out.sort((a, b) -> b.version().compareTo(a.version()));
        return out;
    }

    @Override
    public String toString() {
        return index == null ? "(no module repository)" : index.toString();
    }
}
