package platform.devices.net;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A sink that keeps a copy of every frame it receives, for the tests to inspect. */
final class Recorder implements FrameSink {
    final LinkedBlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();

    @Override
    public void frame(byte[] buf, int off, int len) {
        frames.add(Arrays.copyOfRange(buf, off, off + len));
    }

    int count() {
        return frames.size();
    }

    List<byte[]> drain() {
        List<byte[]> l = new java.util.ArrayList<>();
        frames.drainTo(l);
        return l;
    }

    /** The next frame, waiting up to {@code millis}; null on timeout. */
    byte[] take(long millis) throws InterruptedException {
        return frames.poll(millis, TimeUnit.MILLISECONDS);
    }
}
