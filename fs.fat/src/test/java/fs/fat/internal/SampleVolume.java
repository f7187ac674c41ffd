package fs.fat.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The sample volume the image tests read: a host directory tree copied with mcopy into fresh
 * FAT12, FAT16 and FAT32 images made by mkfs.fat. Two files are deleted before the big file is
 * copied, so that it is fragmented on FAT12/16, and fsck.fat checks every image. The tree and
 * the images are built once per test run under target/test-images.
 */
final class SampleVolume {
    static final long MTIME = Instant.parse("2021-03-04T05:06:08Z").toEpochMilli();
    static final long LEAP_DAY_MTIME = Instant.parse("2000-02-29T23:59:58Z").toEpochMilli();
    static final String MIXED_NAME = "Mixed Case Name.Txt";
    static final String UNICODE_NAME = "Grüße 日本 – ünïcödé.txt";
    /** Exactly 13 characters: one long-name entry with no terminator. */
    static final String THIRTEEN_NAME = "Thirteen.text";
    /** 134 characters: 11 long-name entries. */
    static final String LONG_NAME = "A very long file name, ".repeat(6).substring(0, 130) + ".txt";
    static final int BIG_SIZE = 600 * 1024 + 123;
    static final int MANY = 40;

    private static final Path DIR = Path.of("target", "test-images");
    private static Path source;
    private static final Map<FatType, Path> images = new EnumMap<>(FatType.class);

    private SampleVolume() {}

    static String label(FatType type) {
        return "KESTREL" + type.bits;
    }

    /** The fresh, valid image of {@code type}. Tests must not change it: copy it first. */
    static synchronized Path image(FatType type) {
        Path image = images.get(type);
        if (image == null) {
            image = build(type);
            images.put(type, image);
        }
        return image;
    }

    /** The host tree that was copied into the images. */
    static synchronized Path source() {
        if (source == null) source = writeSource();
        return source;
    }

    /** Contents of big.bin. */
    static byte[] bigContent() {
        byte[] b = new byte[BIG_SIZE];
        new Random(42).nextBytes(b);
        return b;
    }

    /**
     * The oracle listing of {@code image} by mdir: for each directory path ("/", "/docs", ...)
     * the names of its entries in on-disk order.
     */
    static Map<String, List<String>> mdirListing(Path image) {
        String out = FatTools.run("mdir", "-i", image.toString(), "-b", "-s", "::/");
        Map<String, List<String>> dirs = new LinkedHashMap<>();
        dirs.put("/", new ArrayList<>());
        for (String line : out.split("\n")) {
            if (!line.startsWith("::/")) continue;
            boolean isDir = line.endsWith("/");
            String path = line.substring(2, isDir ? line.length() - 1 : line.length());
            int slash = path.lastIndexOf('/');
            String parent = slash == 0 ? "/" : path.substring(0, slash);
            dirs.computeIfAbsent(parent, k -> new ArrayList<>()).add(path.substring(slash + 1));
            if (isDir) dirs.computeIfAbsent(path, k -> new ArrayList<>());
        }
        return dirs;
    }

    private static Path build(FatType type) {
        Path src = source();
        Path image = DIR.resolve(type.name().toLowerCase() + ".img");
        String img = image.toString();
        try {
            Files.deleteIfExists(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        switch (type) {
            case FAT12 -> FatTools.run("mkfs.fat", "-F", "12", "-n", label(type), "-C", img, "1440");
            case FAT16 -> FatTools.run("mkfs.fat", "-F", "16", "-n", label(type), "-C", img, "16384");
            case FAT32 -> FatTools.run("mkfs.fat", "-F", "32", "-s", "1", "-n", label(type), "-C", img, "40960");
        }
        mcopy(img, src, "frag1.bin", "frag2.bin", "frag3.bin", "Deleted Long Name.txt");
        FatTools.run("mdel", "-i", img, "::/frag2.bin", "::/Deleted Long Name.txt");
        mcopy(img, src, "big.bin", "hello.txt", "README.TXT", "lower.TXT", MIXED_NAME, UNICODE_NAME,
                THIRTEEN_NAME, LONG_NAME, "empty.dat", "docs", "many");
        FatTools.run("fsck.fat", "-n", img);
        return image;
    }

    private static void mcopy(String img, Path src, String... names) {
        List<String> args = new ArrayList<>(List.of("-i", img, "-s", "-m"));
        for (String n : names) args.add(src.resolve(n).toString());
        args.add("::/");
        FatTools.run("mcopy", args.toArray(String[]::new));
    }

    private static Path writeSource() {
        try {
            Path src = DIR.resolve("source");
            if (Files.exists(src)) {
                try (Stream<Path> walk = Files.walk(src)) {
                    for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList())
                        Files.delete(p);
                }
            }
            Files.createDirectories(src);
            byte[] frag = new byte[5000];
            new Random(7).nextBytes(frag);
            for (String n : List.of("frag1.bin", "frag2.bin", "frag3.bin")) Files.write(src.resolve(n), frag);
            text(src.resolve("Deleted Long Name.txt"), "gone\n");
            Files.write(src.resolve("big.bin"), bigContent());
            text(src.resolve("hello.txt"), "Hello, FAT!\n");
            text(src.resolve("README.TXT"), "read me\n");
            text(src.resolve("lower.TXT"), "lower-case base name\n");
            text(src.resolve(MIXED_NAME), "mixed\n");
            text(src.resolve(UNICODE_NAME), "unicode ✓\n");
            text(src.resolve(THIRTEEN_NAME), "thirteen\n");
            text(src.resolve(LONG_NAME), "long\n");
            Files.write(src.resolve("empty.dat"), new byte[0]);
            text(Files.createDirectories(src.resolve("docs/a/b/c")).resolve("deep.txt"), "deep down\n");
            text(Files.createDirectories(src.resolve("docs/A Long Directory Name")).resolve("notes.md"), "# notes\n");
            Path many = Files.createDirectories(src.resolve("many"));
            for (int i = 0; i < MANY; i++)
                text(many.resolve(String.format("File number %02d with a long name.txt", i)), "file " + i + "\n");
            try (Stream<Path> walk = Files.walk(src)) {
                for (Path p : walk.toList()) Files.setLastModifiedTime(p, FileTime.fromMillis(MTIME));
            }
            Files.setLastModifiedTime(src.resolve("hello.txt"), FileTime.fromMillis(LEAP_DAY_MTIME));
            return src;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void text(Path p, String s) throws IOException {
        Files.writeString(p, s, StandardCharsets.UTF_8);
    }
}
