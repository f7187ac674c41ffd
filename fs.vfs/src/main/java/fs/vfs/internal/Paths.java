package fs.vfs.internal;

import fs.vfs.FsException;
import java.util.ArrayList;
import java.util.List;

/** Lexical path handling: normalisation and splitting. */
final class Paths {
    private Paths() {}

    /** {@code path} made absolute and free of {@code .}, {@code ..} and duplicate slashes. */
    static String normalize(String path) throws FsException {
        if (path == null || path.isEmpty()) {
            throw new FsException("empty path");
        }
        if (!path.startsWith("/")) {
            path = "/" + path;
        }
        List<String> out = new ArrayList<>();
        for (String p : path.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
                continue;
            }
            out.add(p);
        }
        return "/" + String.join("/", out);
    }

    /** The components of a normalized path; empty for {@code /}. */
    static List<String> parts(String normalized) {
        List<String> out = new ArrayList<>();
        for (String p : normalized.split("/")) {
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }
}
