package fs.fat.internal;

/** The sample volume on a FAT32 image made by mkfs.fat. */
class Fat32Test extends FatVolumeTests {
    @Override
    FatType type() {
        return FatType.FAT32;
    }
}
