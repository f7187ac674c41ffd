package fkx.loader.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import fkx.loader.FkxClass;
import fkx.loader.FkxModule;
import fkx.loader.FkxModule.State;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which modules {@code loadFor} loads for a device ID, and in which order: like
 * {@code modprobe $MODALIAS}, every matching module (the caller skips the live ones), the best
 * match first so that its driver registers, and binds, first.
 */
class ModprobeOrderTest {
    private static FkxModule module(String name, State state, String... devices) {
        return new FkxModule(name, "1.0.0", FkxClass.DRIVER, Set.of(), 1, List.of(devices), state,
                false, List.of(), state == State.AVAILABLE ? -1 : 7);
    }

    private static List<String> order(String id, FkxModule... modules) {
        return DeviceMatch.modprobeOrder(List.of(modules), id).stream().map(FkxModule::name).toList();
    }

    @Test
    void everyMatchingModuleExactEntriesFirstThenInstalledThenByName() {
        FkxModule nvmeClass = module("drivers.nvme.generic", State.AVAILABLE, "pci:*:*:010802");
        FkxModule qemuNvme = module("drivers.nvme", State.AVAILABLE, "pci:8086:5845", "pci:1b36:0010");
        FkxModule vendorAll = module("drivers.redhat", State.LOADED, "pci:1b36:*");
        FkxModule anotherExact = module("drivers.a.nvme", State.AVAILABLE, "pci:1b36:0010");
        FkxModule unrelated = module("drivers.e1000", State.AVAILABLE, "pci:8086:100e");
        FkxModule noDevices = module("fs.fat", State.AVAILABLE);
        assertEquals(List.of("drivers.a.nvme", "drivers.nvme", "drivers.redhat", "drivers.nvme.generic"),
                order("pci:1b36:0010:010802", nvmeClass, qemuNvme, vendorAll, anotherExact, unrelated, noDevices));
    }

    @Test
    void liveModulesAreListedForTheCallerToSkipAndNothingMatchesGivesNothing() {
        FkxModule live = module("drivers.virtio.blk", State.LIVE, "pci:1af4:1042");
        FkxModule generic = module("drivers.virtio.any", State.AVAILABLE, "pci:1af4:*");
        assertEquals(List.of("drivers.virtio.blk", "drivers.virtio.any"), order("pci:1af4:1042", generic, live));
        assertEquals(List.of(), order("pci:dead:beef", generic, live));
        assertEquals(List.of(), order("pci:1af4:1042", module("drivers.virtio.net", State.AVAILABLE, "pci:1af4:1041")));
    }
}
