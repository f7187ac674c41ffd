package fs.fat.internal;

/** The sample volume on a FAT12 image made by mkfs.fat. */
class Fat12Test extends FatVolumeTests {
    @Override
    FatType type() {
        return FatType.FAT12;
    }
}
