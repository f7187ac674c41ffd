package platform.devices.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** --nic / --netdev parsing and MAC addresses: good values, and errors that name the bad option. */
class NetOptionsTest {
    static String error(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void nicOptions() {
        assertEquals(new NetOptions.Nic("virtio", "default", MacAddress.parse("52:54:00:12:34:56"), null),
                NetOptions.parseNic("virtio", 0));
        assertEquals(new NetOptions.Nic("e1000", "lan", MacAddress.parse("02:aa:bb:cc:dd:ee"), Path.of("/tmp/n.pcap")),
                NetOptions.parseNic("e1000,net=lan,mac=02-AA-bb-cc-dd-ee,pcap=/tmp/n.pcap", 3));
        assertEquals(MacAddress.parse("52:54:00:12:34:59"), NetOptions.parseNic("virtio-net,net=x", 3).mac());
    }

    @Test
    void nicErrorsNameTheOption() {
        assertEquals("nic: unknown model 'rtl8139' in 'rtl8139' (virtio or e1000)", error(() -> NetOptions.parseNic("rtl8139", 0)));
        assertEquals("nic: unknown option 'bogus=1' in 'virtio,bogus=1'", error(() -> NetOptions.parseNic("virtio,bogus=1", 0)));
        assertEquals("nic: unknown option 'fast' in 'virtio,fast' (expected key=value)", error(() -> NetOptions.parseNic("virtio,fast", 0)));
        assertEquals("nic: option 'mac' given twice in 'virtio,mac=02:00:00:00:00:01,mac=02:00:00:00:00:02'",
                error(() -> NetOptions.parseNic("virtio,mac=02:00:00:00:00:01,mac=02:00:00:00:00:02", 0)));
        assertTrue(error(() -> NetOptions.parseNic("virtio,mac=01:00:5e:00:00:01", 0))
                .startsWith("nic: option 'mac': bad MAC address '01:00:5e:00:00:01': multicast"));
        assertTrue(error(() -> NetOptions.parseNic("virtio,mac=52:54:00:12:34", 0)).startsWith("nic: option 'mac': bad MAC address"));
        assertTrue(error(() -> NetOptions.parseNic("virtio,mac=52:54:00:12:34:zz", 0)).contains("'zz' is not a hex byte"));
        assertEquals("nic: option 'net': bad network name 'a b' in 'virtio,net=a b'", error(() -> NetOptions.parseNic("virtio,net=a b", 0)));
        assertEquals("nic: option 'pcap' needs a file name in 'e1000,pcap='", error(() -> NetOptions.parseNic("e1000,pcap=", 0)));
        assertEquals("nic: empty value", error(() -> NetOptions.parseNic("", 0)));
        assertEquals("nic: missing type before the options in ',net=a'", error(() -> NetOptions.parseNic(",net=a", 0)));
    }

    @Test
    void netdevOptions() {
        NetOptions.UdpNetdev d = NetOptions.parseNetdev("udp,local=127.0.0.1:5000,remote=localhost:5001");
        assertEquals("default", d.net());
        assertEquals(InetSocketAddress.createUnresolved("127.0.0.1", 5000), d.local());
        assertEquals(InetSocketAddress.createUnresolved("localhost", 5001), d.remote());
        NetOptions.UdpNetdev v6 = NetOptions.parseNetdev("udp,remote=[::1]:7,local=[::1]:0,net=lab");
        assertEquals("::1", v6.remote().getHostString());
        assertEquals(0, v6.local().getPort());
        assertEquals("lab", v6.net());
    }

    @Test
    void netdevErrorsNameTheOption() {
        assertEquals("netdev: type 'tap' is not available (udp only) in 'tap,ifname=x'", error(() -> NetOptions.parseNetdev("tap,ifname=x")));
        assertEquals("netdev: option 'remote=HOST:PORT' is missing in 'udp,local=h:1'", error(() -> NetOptions.parseNetdev("udp,local=h:1")));
        assertEquals("netdev: option 'local=HOST:PORT' is missing in 'udp,remote=h:1'", error(() -> NetOptions.parseNetdev("udp,remote=h:1")));
        assertEquals("netdev: option 'remote': bad address 'h:0' (port 0 out of range) in 'udp,local=h:1,remote=h:0'",
                error(() -> NetOptions.parseNetdev("udp,local=h:1,remote=h:0")));
        assertEquals("netdev: option 'local': bad address 'h:70000' (port 70000 out of range) in 'udp,local=h:70000,remote=h:1'",
                error(() -> NetOptions.parseNetdev("udp,local=h:70000,remote=h:1")));
        assertEquals("netdev: option 'local': bad address 'h:x' (port 'x' is not a number) in 'udp,local=h:x,remote=h:1'",
                error(() -> NetOptions.parseNetdev("udp,local=h:x,remote=h:1")));
        assertEquals("netdev: option 'local': bad address ':5' (missing host) in 'udp,local=:5,remote=h:1'",
                error(() -> NetOptions.parseNetdev("udp,local=:5,remote=h:1")));
        assertEquals("netdev: option 'local': bad address '::1:5' (expected HOST:PORT) in 'udp,local=::1:5,remote=h:1'",
                error(() -> NetOptions.parseNetdev("udp,local=::1:5,remote=h:1")));
        assertEquals("netdev: option 'remote': bad address '[::1]' (expected [IPV6]:PORT) in 'udp,local=h:1,remote=[::1]'",
                error(() -> NetOptions.parseNetdev("udp,local=h:1,remote=[::1]")));
        assertEquals("netdev: unknown option 'mtu=9000' in 'udp,mtu=9000'", error(() -> NetOptions.parseNetdev("udp,mtu=9000")));
        assertEquals("netdev: option 'local' given twice in 'udp,local=h:1,local=h:2'",
                error(() -> NetOptions.parseNetdev("udp,local=h:1,local=h:2")));
    }

    @Test
    void macAddresses() {
        MacAddress m = MacAddress.parse("52:54:00:AB:cd:0f");
        assertEquals("52:54:00:ab:cd:0f", m.toString());
        assertEquals(0x5254_00ab_cd0fL, m.value());
        assertEquals(m, MacAddress.parse(m.toString()));
        assertTrue(m.isLocallyAdministered());
        assertFalse(m.isMulticast());
        assertTrue(MacAddress.BROADCAST.isMulticast());
        assertTrue(MacAddress.parse("33:33:00:00:00:01").isMulticast());
        assertFalse(MacAddress.parse("00:1b:21:00:00:01").isLocallyAdministered());
        assertEquals("52:54:00:12:34:56", MacAddress.defaultFor(0).toString());
        assertEquals("52:54:00:12:34:57", MacAddress.defaultFor(1).toString());
        assertEquals("52:54:00:12:35:00", MacAddress.defaultFor(0xaa).toString(), "carries into the next byte");
        assertEquals(MacAddress.defaultFor(7), MacAddress.defaultFor(7), "deterministic");
        for (int i = 0; i < 1000; i++) {
            MacAddress d = MacAddress.defaultFor(i);
            assertTrue(d.isLocallyAdministered() && !d.isMulticast() && (d.value() >>> 24) == 0x525400, d.toString());
        }
        assertEquals(6, m.bytes().length);
        assertEquals((byte) 0x52, m.bytes()[0]);
        assertEquals((byte) 0x0f, m.bytes()[5]);
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("52:54:00:12:34:56:78"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("5:54:00:12:34:56"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse(null));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parseNic("ff:ff:ff:ff:ff:ff"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.defaultFor(-1));
        assertThrows(IllegalArgumentException.class, () -> new MacAddress(1L << 48));
    }
}
