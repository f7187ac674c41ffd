package fs.fat.internal;

import fs.vfs.FsException;
import java.io.IOException;

/**
 * A cursor along one cluster chain that fails cleanly instead of running forever. Besides the
 * checks of {@link FatTable#next}, it finds loops with Brent's method: it remembers one
 * cluster, moving that checkpoint ahead each time the steps since the last move reach a power
 * of two, and a chain that comes back to the checkpoint loops. A loop is found within a small
 * multiple of (clusters before the loop + loop length) steps, with no memory but a few fields.
 */
final class ChainWalker {
    private final FatTable fat;
    private final String owner;
    private int cluster;
    private long index;
    private int checkpoint;
    private long power = 1;
    private long sinceCheckpoint;

    /**
     * A cursor on {@code first}, the first cluster of {@code owner} (a path, for messages).
     *
     * @throws FsException "corrupt FAT filesystem" if {@code first} is not a data cluster
     */
    ChainWalker(FatTable fat, long first, String owner) throws FsException {
        if (!fat.isDataCluster(first))
            throw Errors.corrupt("'%s' starts at cluster %d, outside the data region", owner, first);
        this.fat = fat;
        this.owner = owner;
        this.cluster = (int) first;
        this.checkpoint = cluster;
    }

    /** The cluster under the cursor. */
    int cluster() {
        return cluster;
    }

    /** Position of the cursor in the chain, 0 for the first cluster. */
    long index() {
        return index;
    }

    /**
     * Moves to the next cluster of the chain.
     *
     * @return false at the end of the chain, where the cursor stays
     * @throws FsException "corrupt FAT filesystem" on a loop or a broken link
     */
    boolean advance() throws IOException {
        int next = fat.next(cluster, owner);
        if (next == FatTable.END) return false;
        if (next == checkpoint)
            throw Errors.corrupt("cluster chain of '%s' loops back to cluster %d", owner, next);
        cluster = next;
        index++;
        if (++sinceCheckpoint == power) {
            checkpoint = cluster;
            power <<= 1;
            sinceCheckpoint = 0;
        }
        return true;
    }
}
