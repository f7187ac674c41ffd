package kernel.sched;

/**
 * A reader-writer semaphore ({@code struct rw_semaphore}): many readers or one writer. A
 * waiting writer blocks new readers, so writers are not starved.
 */
public final class RwSemaphore {
    private final WaitQueue wq = new WaitQueue();
    private int readers;
    private boolean writer;
    private int writersWaiting;

    public void downRead() throws InterruptedException {
        wq.await(() -> {
            if (!writer && writersWaiting == 0) {
                readers++;
                return true;
            }
            return false;
        });
    }

    public boolean tryDownRead() {
        synchronized (wq) {
            if (!writer && writersWaiting == 0) {
                readers++;
                return true;
            }
            return false;
        }
    }

    public void upRead() {
        synchronized (wq) {
            if (readers <= 0) {
                throw new IllegalStateException("upRead without downRead");
            }
            if (--readers == 0) {
                wq.wakeAll();
            }
        }
    }

    public void downWrite() throws InterruptedException {
        synchronized (wq) {
            writersWaiting++;
        }
        boolean ok = false;
        try {
            wq.await(() -> {
                if (!writer && readers == 0) {
                    writer = true;
                    writersWaiting--;
                    return true;
                }
                return false;
            });
            ok = true;
        } finally {
            if (!ok) {
                synchronized (wq) {
                    writersWaiting--;
                    wq.wakeAll();
                }
            }
        }
    }

    public void upWrite() {
        synchronized (wq) {
            if (!writer) {
                throw new IllegalStateException("upWrite without downWrite");
            }
            writer = false;
            wq.wakeAll();
        }
    }

    /** Turns the held write lock into a read lock. */
    public void downgrade() {
        synchronized (wq) {
            if (!writer) {
                throw new IllegalStateException("downgrade without downWrite");
            }
            writer = false;
            readers++;
            wq.wakeAll();
        }
    }

    public synchronized String toString() {
        synchronized (wq) {
            return "RwSemaphore[readers=" + readers + ", writer=" + writer + ", writersWaiting=" + writersWaiting + "]";
        }
    }
}
