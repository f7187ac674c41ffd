package kernel.block.internal;

import java.io.IOException;
import kernel.block.BlockDevice;
import kernel.block.BlockHandle;
import kernel.core.ModuleUsage;

/**
 * An open disk. Byte-addressed access on top of the device's whole-sector transfers: aligned
 * runs go straight to the device, partial sectors through one bounce sector.
 */
final class Handle implements BlockHandle {
    private final BlockLayer layer;
    final BlockLayer.Disk disk;
    final String holder;
    private final ModuleUsage.Hold hold;
    private final BlockDevice dev;
    private final int ss;
    private volatile boolean closed;

    Handle(BlockLayer layer, BlockLayer.Disk disk, String holder, ModuleUsage.Hold hold) {
        this.layer = layer;
        this.disk = disk;
        this.holder = holder;
        this.hold = hold;
        this.dev = disk.dev;
        this.ss = dev.sectorSize();
    }

    private void check(long offset, int len, int arrayLen, int off) throws IOException {
        if (disk.gone) { // checked first: removal also closes the handle, but the cause is the removal
            throw new IOException("/dev/" + dev.name() + ": device removed");
        }
        if (closed) {
            throw new IOException("/dev/" + dev.name() + ": handle closed");
        }
        if (off < 0 || len < 0 || len > arrayLen - off) {
            throw new IndexOutOfBoundsException();
        }
        if (offset < 0 || offset + len > size()) {
            throw new IOException("/dev/" + dev.name() + ": access at " + offset + "+" + len + " beyond the end (" + size() + " bytes)");
        }
    }

    @Override public String name() { return dev.name(); }
    @Override public int sectorSize() { return ss; }
    @Override public long size() { return dev.sectorCount() * ss; }
    @Override public boolean readOnly() { return dev.readOnly(); }

    @Override
    public void read(long offset, byte[] dst, int off, int len) throws IOException {
        check(offset, len, dst.length, off);
        while (len > 0) {
            long sector = offset / ss;
            int inSector = (int) (offset % ss);
            if (inSector == 0 && len >= ss) {
                int count = len / ss;
                dev.read(sector, dst, off, count);
                int n = count * ss;
                offset += n;
                off += n;
                len -= n;
            } else {
                byte[] bounce = new byte[ss];
                dev.read(sector, bounce, 0, 1);
                int n = Math.min(len, ss - inSector);
                System.arraycopy(bounce, inSector, dst, off, n);
                offset += n;
                off += n;
                len -= n;
            }
        }
    }

    @Override
    public void write(long offset, byte[] src, int off, int len) throws IOException {
        check(offset, len, src.length, off);
        if (dev.readOnly()) {
            throw new IOException("/dev/" + dev.name() + ": read-only device");
        }
        while (len > 0) {
            long sector = offset / ss;
            int inSector = (int) (offset % ss);
            if (inSector == 0 && len >= ss) {
                int count = len / ss;
                dev.write(sector, src, off, count);
                int n = count * ss;
                offset += n;
                off += n;
                len -= n;
            } else {
                byte[] bounce = new byte[ss];
                dev.read(sector, bounce, 0, 1);
                int n = Math.min(len, ss - inSector);
                System.arraycopy(src, off, bounce, inSector, n);
                dev.write(sector, bounce, 0, 1);
                offset += n;
                off += n;
                len -= n;
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (closed || disk.gone) {
            throw new IOException("/dev/" + dev.name() + ": " + (disk.gone ? "device removed" : "handle closed"));
        }
        dev.flush();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            hold.close();
            layer.closed(this);
        }
    }
}
