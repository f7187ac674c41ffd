package drivers.virtio.blk.internal;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A request whose interrupt never comes times out with a clear error; its slot stays with the
 * device until the completion finally arrives, then is reused.
 */
class TimeoutTest extends BlkFixture {
    {
        startHal = false; // interrupts are raised at the local APIC but nobody takes them yet
    }

    @Test
    void requestTimesOutThenRecovers() throws Exception {
        VirtioBlkDisk vda = probe(0);
        vda.timeout(TimeUnit.MILLISECONDS.toNanos(300));
        byte[] buf = new byte[512];
        IOException e = assertThrows(IOException.class, () -> vda.read(7, buf, 0, 1));
        assertTrue(e.getMessage().contains("timeout"), e.getMessage());
        hal.start(); // the pending MSI is taken: the abandoned slot comes back
        vda.timeout(TimeUnit.SECONDS.toNanos(30));
        vda.read(7, buf, 0, 1);
        assertArrayEquals(Arrays.copyOfRange(Files.readAllBytes(rwImage), 7 * 512, 8 * 512), buf);
    }
}
