package fs.vfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import fs.vfs.FsException;
import java.util.List;
import org.junit.jupiter.api.Test;

class PathsTest {
    @Test
    void normalize() throws FsException {
        assertEquals("/", Paths.normalize("/"));
        assertEquals("/", Paths.normalize("//"));
        assertEquals("/mnt", Paths.normalize("mnt"));
        assertEquals("/mnt/a", Paths.normalize("/mnt//a/"));
        assertEquals("/mnt/b", Paths.normalize("/mnt/./a/../b"));
        assertEquals("/", Paths.normalize("/.."));
        assertEquals("/x", Paths.normalize("/../../x"));
        assertEquals("/a/...", Paths.normalize("/a/..."), "three dots is a name");
        assertEquals("/.hidden", Paths.normalize("/.hidden/."));
    }

    @Test
    void emptyOrNullIsAnError() {
        assertThrows(FsException.class, () -> Paths.normalize(""));
        assertThrows(FsException.class, () -> Paths.normalize(null));
    }

    @Test
    void parts() {
        assertEquals(List.of(), Paths.parts("/"));
        assertEquals(List.of("mnt"), Paths.parts("/mnt"));
        assertEquals(List.of("mnt", "a", "b.txt"), Paths.parts("/mnt/a/b.txt"));
    }
}
