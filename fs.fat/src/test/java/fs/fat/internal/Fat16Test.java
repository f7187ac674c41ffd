package fs.fat.internal;

/** The sample volume on a FAT16 image made by mkfs.fat. */
class Fat16Test extends FatVolumeTests {
    @Override
    FatType type() {
        return FatType.FAT16;
    }
}
