// Network interface counters from /proc/net/dev, link state from /sys/class/net.
//
// Names are node_exporter's netdev collector's (all counters, `_total`), plus
// node_network_up from its netclass collector, read from the operstate file
// because that is what `ip link` shows as the interface's state.

import Foundation

/// Reads `/proc/net/dev` and `/sys/class/net/<device>/operstate`.
///
/// Emits, labelled `{device}`: `node_network_receive_{bytes,packets,errs,drop,
/// fifo,frame,compressed,multicast}_total`, `node_network_transmit_{bytes,
/// packets,errs,drop,fifo,colls,carrier,compressed}_total`, and
/// `node_network_up` (1 when operstate is "up"; omitted when sysfs has no entry).
public struct NetworkCollector: Collector {
    /// Collector name.
    public let name = "network"
    public let summary = "Network interface bytes, packets, errors and drops (/proc/net/dev)"
    /// Interfaces never reported (exact names).
    public let ignoredDevices: Set<String>

    /// Creates the collector; nothing is ignored by default, as in node_exporter.
    public init(ignoredDevices: Set<String> = []) {
        self.ignoredDevices = ignoredDevices
    }

    static let receiveColumns = ["bytes", "packets", "errs", "drop", "fifo", "frame", "compressed", "multicast"]
    static let transmitColumns = ["bytes", "packets", "errs", "drop", "fifo", "colls", "carrier", "compressed"]

    /// Families emitted.
    public var metrics: [MetricDescriptor] {
        NetworkCollector.receiveColumns.map {
            MetricDescriptor("node_network_receive_\($0)_total", .counter, "Network device statistic receive_\($0).")
        } + NetworkCollector.transmitColumns.map {
            MetricDescriptor("node_network_transmit_\($0)_total", .counter, "Network device statistic transmit_\($0).")
        } + [MetricDescriptor("node_network_up", .gauge, "Value is 1 if operstate is 'up', 0 otherwise.")]
    }

    /// One interface's counters.
    struct Interface {
        var device: String
        var receive: [Double?]
        var transmit: [Double?]
    }

    /// Parses /proc/net/dev text; header and unparsable lines are skipped.
    static func parse(_ text: String) -> [Interface] {
        var result: [Interface] = []
        // Counters never contain ':', so the last colon ends the name even
        // when a large counter is glued to it ("eth0:123456789").
        for (device, f) in ProcParse.namedLines(text, splitAtLastColon: true) {
            guard f.count >= 16 else { continue }
            let values = f.map { ProcParse.double($0) }
            result.append(Interface(device: device, receive: Array(values[0..<8]), transmit: Array(values[8..<16])))
        }
        return result
    }

    /// Reads the interface table once.
    public func collect(_ context: CollectContext) throws -> [Sample] {
        let path = context.proc("net/dev")
        let interfaces = NetworkCollector.parse(try ProcFiles.read(path))
        var out = context.builder()
        var seen = Set<String>()
        for interface in interfaces {
            guard !ignoredDevices.contains(interface.device), seen.insert(interface.device).inserted else { continue }
            let labels: Labels = ["device": interface.device]
            for (column, value) in zip(NetworkCollector.receiveColumns, interface.receive) {
                out.add("node_network_receive_\(column)_total", labels, ifPresent: value)
            }
            for (column, value) in zip(NetworkCollector.transmitColumns, interface.transmit) {
                out.add("node_network_transmit_\(column)_total", labels, ifPresent: value)
            }
            // A device name from the kernel never contains '/', but this one
            // came from a file: refuse anything that could escape the directory.
            guard !interface.device.contains("/"), interface.device != "..", interface.device != "." else { continue }
            if let state = ProcFiles.readIfPresent(context.sys("class/net/\(interface.device)/operstate")) {
                let up = state.trimmingCharacters(in: .whitespacesAndNewlines) == "up"
                out.add("node_network_up", labels, up ? 1 : 0)
            }
        }
        return out.samples
    }
}
