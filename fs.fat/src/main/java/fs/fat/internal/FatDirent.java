package fs.fat.internal;

import fs.vfs.DirEntry;

/**
 * One live 8.3 directory entry, its long name (if any) resolved: {@code name} is the long name
 * or else the short one, {@code shortName} the 8.3 alias. Entry layout (byte offsets): 0 name
 * (11), 11 attributes, 12 NT case flags, 20 first cluster high 16 bits (FAT32 only), 22 time,
 * 24 date, 26 first cluster low 16 bits, 28 size.
 */
record FatDirent(String name, String shortName, int attributes, long firstCluster, long size, long modifiedMillis) {
    static final int ATTR_VOLUME_ID = 0x08;
    static final int ATTR_DIRECTORY = 0x10;
    /** Read-only, hidden, system and volume-id together mark a long-name part. */
    static final int ATTR_LONG_NAME = 0x0F;

    boolean isDirectory() {
        return (attributes & ATTR_DIRECTORY) != 0;
    }

    boolean isVolumeLabel() {
        return (attributes & ATTR_VOLUME_ID) != 0;
    }

    /** Whether {@code wanted} names this entry, by long or short name, ignoring case as FAT does. */
    boolean matches(String wanted) {
        return wanted.equalsIgnoreCase(name) || wanted.equalsIgnoreCase(shortName);
    }

    /** The entry as the VFS lists it; directories have size 0. */
    DirEntry toDirEntry() {
        return new DirEntry(name, isDirectory(), isDirectory() ? 0 : size, modifiedMillis);
    }
}
