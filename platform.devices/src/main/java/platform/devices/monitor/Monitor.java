package platform.devices.monitor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import platform.devices.MachineConfig;
import platform.devices.Machines;
import platform.pc.Machine;
import platform.pc.pci.PciFunction;
import platform.pc.pci.PciRootPort;

/**
 * The machine monitor: commands for the person (or test) on the host side of a running
 * {@link Machine}, the emulator's counterpart of QEMU's human monitor. It changes the hardware,
 * never the kernel: the kernel learns of a card from its slot's interrupt, as on a real PC.
 *
 * <pre>
 *   help
 *   info pci                     every PCI function: address, IDs, class, model
 *   info slots                   the hot-plug slots and their cards
 *   device_add MODEL[,OPTION]... inserts a card into a free hot-plug slot (or slot=N):
 *       virtio-blk|nvme|ahci,file=PATH[,readonly][,snapshot]
 *       virtio-net|e1000[,net=NAME][,mac=MAC][,pcap=FILE]
 *   device_del N                 orderly removal: presses slot N's attention button; the kernel
 *                                unbinds the card and powers the slot off, then it is pulled
 *   device_pull N                surprise removal of slot N's card
 * </pre>
 *
 * <p>{@link #execute} never throws: a bad command or option gives a line starting with
 * {@code error:}. Thread-safe: commands are serialised.
 */
public final class Monitor {
    /** How long {@code device_del} waits by default for the kernel to power the slot off. */
    public static final long UNPLUG_TIMEOUT_MS = 5000;

    private final Machine machine;
    private final long unplugTimeoutMs;
    private int cards; // cards added so far: numbers disk serials and NIC ports

    public Monitor(Machine machine) {
        this(machine, UNPLUG_TIMEOUT_MS);
    }

    /** A monitor whose {@code device_del} waits {@code unplugTimeoutMs} for the kernel. */
    public Monitor(Machine machine, long unplugTimeoutMs) {
        this.machine = machine;
        this.unplugTimeoutMs = unplugTimeoutMs;
    }

    /** Runs one command line; returns its output (possibly empty), without a trailing newline. */
    public synchronized String execute(String line) {
        String[] words = line.trim().split("\\s+", 2);
        String arg = words.length > 1 ? words[1].trim() : "";
        try {
            return switch (words[0]) {
                case "" -> "";
                case "help", "?" -> help();
                case "info" -> info(arg);
                case "device_add" -> deviceAdd(arg);
                case "device_del" -> deviceDel(arg);
                case "device_pull" -> devicePull(arg);
                default -> "error: unknown command '" + words[0] + "' (try help)";
            };
        } catch (IllegalArgumentException | IllegalStateException e) {
            return "error: " + e.getMessage();
        }
    }

    private static String help() {
        return String.join("\n",
                "info pci                      list PCI functions",
                "info slots                    list hot-plug slots",
                "device_add MODEL[,OPT]...     add a card to a free hot-plug slot (or slot=N)",
                "    virtio-blk|nvme|ahci,file=PATH[,readonly][,snapshot]",
                "    virtio-net|e1000[,net=NAME][,mac=MAC][,pcap=FILE]",
                "device_del N                  request removal of slot N's card (attention button)",
                "device_pull N                 surprise-remove slot N's card");
    }

    private String info(String what) {
        return switch (what) {
            case "pci" -> infoPci();
            case "slots" -> infoSlots();
            default -> "error: info what? (pci, slots)";
        };
    }

    private String infoPci() {
        List<String> out = new ArrayList<>();
        for (PciFunction f : machine.pci().functions()) {
            out.add(line(f));
            PciFunction card = f instanceof PciRootPort p ? p.card() : null;
            if (card != null) {
                int bus = (int) f.configRead(PciRootPort.SECONDARY_BUS, 1);
                out.add("  " + line(card, String.format("%02x:00.0", bus))
                        + (((PciRootPort) f).linkActive() ? "" : " (slot powered off)"));
            }
        }
        return String.join("\n", out);
    }

    private static String line(PciFunction f) {
        return line(f, f.location());
    }

    /** {@code 00:04.0 1af4:1042 class 010000 VirtioBlkDevice}. */
    private static String line(PciFunction f, String location) {
        return String.format("%s %04x:%04x class %06x %s", location, f.vendorId(), f.deviceId(),
                f.configRead(PciFunction.REVISION_ID, 4) >>> 8, f.getClass().getSimpleName());
    }

    private String infoSlots() {
        List<PciRootPort> ports = machine.hotplugSlots();
        if (ports.isEmpty()) {
            return "no hot-plug slots (boot with --hotplug-slots N)";
        }
        List<String> out = new ArrayList<>();
        for (PciRootPort p : ports) {
            PciFunction card = p.card();
            out.add(String.format("slot %d (%s): %s", p.physicalSlot(), p.location(),
                    card == null ? "empty" : card.getClass().getSimpleName() + String.format(" %04x:%04x, %s",
                            card.vendorId(), card.deviceId(), p.linkActive() ? "link up" : "link down")));
        }
        return String.join("\n", out);
    }

    private String deviceAdd(String spec) {
        if (spec.isEmpty()) {
            throw new IllegalArgumentException("device_add: which device? (try help)");
        }
        String[] parts = spec.split(",");
        String model = parts[0].trim().toLowerCase(Locale.ROOT);
        Integer slot = null;
        String file = null;
        List<String> rest = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].trim();
            if (p.startsWith("slot=")) {
                slot = parseSlot(p.substring(5));
            } else if (p.startsWith("file=")) {
                file = p.substring(5);
            } else {
                rest.add(p);
            }
        }
        PciRootPort port = slot != null ? port(slot) : freePort();
        if (port.card() != null) {
            throw new IllegalStateException("slot " + port.physicalSlot() + " is occupied");
        }
        int n = cards;
        PciFunction card = switch (model) {
            case "virtio-blk", "nvme", "ahci" -> {
                if (file == null) {
                    throw new IllegalArgumentException("device_add: " + model + " needs file=PATH");
                }
                String iface = model.equals("virtio-blk") ? "virtio" : model;
                MachineConfig.Disk d = MachineConfig.parseDisk(String.join(",", prefixed(file, rest)) + ",if=" + iface);
                if (!java.nio.file.Files.isRegularFile(d.path())) {
                    throw new IllegalArgumentException("device_add: no such file: " + d.path());
                }
                yield Machines.newDisk(d, "device_add", 100 + n);
            }
            case "virtio-net", "e1000" -> {
                if (file != null) {
                    throw new IllegalArgumentException("device_add: a NIC takes no file=");
                }
                List<String> opts = new ArrayList<>();
                opts.add(model.equals("e1000") ? "e1000" : "virtio");
                opts.addAll(rest);
                yield Machines.newNic(String.join(",", opts), 100 + n);
            }
            default -> throw new IllegalArgumentException("device_add: unknown model '" + model
                    + "' (virtio-blk, nvme, ahci, virtio-net, e1000)");
        };
        try {
            port.insert(card);
        } catch (RuntimeException e) {
            card.close();
            throw e;
        }
        cards++;
        return String.format("slot %d: %s %04x:%04x inserted", port.physicalSlot(), card.getClass().getSimpleName(),
                card.vendorId(), card.deviceId());
    }

    private static List<String> prefixed(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(Path.of(first).toString());
        all.addAll(rest);
        return all;
    }

    private String deviceDel(String arg) {
        PciRootPort port = port(parseSlot(arg));
        if (port.card() == null) {
            throw new IllegalStateException("slot " + port.physicalSlot() + " is empty");
        }
        try {
            port.pressAttentionButton().get(unplugTimeoutMs, TimeUnit.MILLISECONDS);
            return "slot " + port.physicalSlot() + ": card removed";
        } catch (TimeoutException e) {
            return "error: slot " + port.physicalSlot() + ": the kernel did not power the slot off within "
                    + unplugTimeoutMs + " ms; the card stays (device_pull removes it by force)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "error: interrupted";
        } catch (ExecutionException e) {
            return "error: slot " + port.physicalSlot() + ": " + e.getCause().getMessage();
        }
    }

    private String devicePull(String arg) {
        PciRootPort port = port(parseSlot(arg));
        if (port.card() == null) {
            throw new IllegalStateException("slot " + port.physicalSlot() + " is empty");
        }
        port.surpriseRemove();
        return "slot " + port.physicalSlot() + ": card pulled";
    }

    private static int parseSlot(String s) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a slot number: '" + s + "'");
        }
    }

    private PciRootPort port(int slot) {
        for (PciRootPort p : machine.hotplugSlots()) {
            if (p.physicalSlot() == slot) {
                return p;
            }
        }
        throw new IllegalArgumentException("no hot-plug slot " + slot + " (info slots lists them)");
    }

    private PciRootPort freePort() {
        for (PciRootPort p : machine.hotplugSlots()) {
            if (p.card() == null) {
                return p;
            }
        }
        throw new IllegalStateException(machine.hotplugSlots().isEmpty() ? "no hot-plug slots (boot with --hotplug-slots N)"
                : "every hot-plug slot is occupied");
    }
}
