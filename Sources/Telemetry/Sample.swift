// Samples, label sets and the metadata an exposition writer needs.
//
// A sample is one value of one series at one instant. Its identity is the
// metric name plus the label set; labels are kept sorted by name so that two
// label sets built in different orders compare equal, hash equal and print in
// the same order (the exposition writer and the duplicate-series check both
// rely on that).

/// An ordered, duplicate-free set of label pairs, sorted by label name.
///
/// Build one from a dictionary literal (`["cpu": "0", "mode": "idle"]`) or from
/// pairs; a later pair with the same name replaces an earlier one. Sorting at
/// construction makes equality, hashing and printing independent of the order
/// in which a collector happened to add labels.
public struct Labels: Hashable, Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// The label pairs, sorted by name, names unique.
    public private(set) var pairs: [(name: String, value: String)]

    /// An empty label set.
    public init() { pairs = [] }

    /// Builds a label set from pairs; when a name repeats, the last value wins.
    public init<S: Sequence>(_ pairs: S) where S.Element == (String, String) {
        var byName: [String: String] = [:]
        for (name, value) in pairs { byName[name] = value }
        self.pairs = byName.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
    }

    /// Builds a label set from a dictionary.
    public init(_ dictionary: [String: String]) {
        self.init(dictionary.map { ($0.key, $0.value) })
    }

    /// Builds a label set from a dictionary literal.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The value of label `name`, or nil when the set has no such label.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// A copy with label `name` set to `value` (added or replaced).
    public func with(_ name: String, _ value: String) -> Labels {
        Labels(pairs.map { ($0.name, $0.value) } + [(name, value)])
    }

    /// Number of labels.
    public var count: Int { pairs.count }

    /// True when the set holds no labels.
    public var isEmpty: Bool { pairs.isEmpty }

    /// The labels as a dictionary.
    public var dictionary: [String: String] {
        var result: [String: String] = [:]
        for pair in pairs { result[pair.name] = pair.value }
        return result
    }

    /// Iterates the pairs in name order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        pairs.makeIterator()
    }

    /// `{a="1",b="2"}` with values shown unescaped; for debugging, not exposition.
    public var description: String {
        "{" + pairs.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }

    /// Equal when the same names map to the same values.
    public static func == (lhs: Labels, rhs: Labels) -> Bool {
        lhs.pairs.count == rhs.pairs.count
            && zip(lhs.pairs, rhs.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Hashes every pair in name order.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(pairs.count)
        for pair in pairs {
            hasher.combine(pair.name)
            hasher.combine(pair.value)
        }
    }
}

/// The kind of a metric family, as written on its `# TYPE` line.
public enum MetricType: String, Sendable, Hashable, CaseIterable {
    /// A value that can go up and down (temperature, bytes in use).
    case gauge
    /// A monotonically increasing count since some reset; its name ends in `_total`.
    case counter
    /// A value whose kind is not known (samples without registered metadata).
    case untyped
}

/// Static description of one metric family: name, help text and type.
///
/// Collectors publish the descriptors of every family they may emit so that the
/// exposition writer can print `# HELP` and `# TYPE` even for families that
/// happen to be empty in a pass.
public struct MetricDescriptor: Hashable, Sendable {
    /// The metric (family) name, e.g. `node_cpu_seconds_total`.
    public var name: String
    /// One-line human description; may contain any characters (it is escaped on output).
    public var help: String
    /// Gauge, counter or untyped.
    public var type: MetricType

    /// Creates a descriptor.
    public init(_ name: String, _ type: MetricType, _ help: String) {
        self.name = name
        self.help = help
        self.type = type
    }
}

/// One observed value of one series.
///
/// Time is carried as integer milliseconds since the Unix epoch, the unit that
/// Prometheus uses on the wire and in its TSDB; integers keep timestamps exact
/// and comparable (a Double of seconds rounds at the microsecond level for
/// present-day dates). Use `timestampSeconds` where seconds are wanted.
public struct Sample: Hashable, Sendable, CustomStringConvertible {
    /// Metric name, e.g. `node_memory_mem_total_bytes`.
    public var name: String
    /// Label set identifying the series within its family.
    public var labels: Labels
    /// The value; NaN and ±infinity are allowed (Prometheus can carry them).
    public var value: Double
    /// When the value was observed, in milliseconds since the Unix epoch.
    public var timestampMs: Int64

    /// Creates a sample.
    public init(_ name: String, _ labels: Labels = Labels(), _ value: Double, timestampMs: Int64) {
        self.name = name
        self.labels = labels
        self.value = value
        self.timestampMs = timestampMs
    }

    /// Creates an unlabelled sample.
    public init(_ name: String, _ value: Double, timestampMs: Int64) {
        self.init(name, Labels(), value, timestampMs: timestampMs)
    }

    /// The timestamp in seconds since the Unix epoch.
    public var timestampSeconds: Double { Double(timestampMs) / 1000 }

    /// The series identity: name plus labels.
    public var seriesKey: SeriesKey { SeriesKey(name: name, labels: labels) }

    /// `name{labels} value @ms`, for debugging.
    public var description: String { "\(name)\(labels) \(value) @\(timestampMs)" }

    /// Equal when name, labels, value bits and timestamp all match.
    public static func == (lhs: Sample, rhs: Sample) -> Bool {
        // Bitwise comparison of the value so that NaN samples compare equal to
        // themselves; tests and de-duplication want identity, not IEEE semantics.
        lhs.name == rhs.name && lhs.labels == rhs.labels
            && lhs.value.bitPattern == rhs.value.bitPattern && lhs.timestampMs == rhs.timestampMs
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(labels)
        hasher.combine(value.bitPattern)
        hasher.combine(timestampMs)
    }
}

/// The identity of one series: metric name and label set.
public struct SeriesKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Metric name.
    public var name: String
    /// Label set.
    public var labels: Labels

    /// Creates a key.
    public init(name: String, labels: Labels) {
        self.name = name
        self.labels = labels
    }

    /// `name{labels}`.
    public var description: String { "\(name)\(labels)" }

    /// Orders by name, then label pairs lexicographically: the stable order of
    /// series within a family in exposition output.
    public static func < (lhs: SeriesKey, rhs: SeriesKey) -> Bool {
        if lhs.name != rhs.name { return lhs.name < rhs.name }
        for (a, b) in zip(lhs.labels.pairs, rhs.labels.pairs) {
            if a.name != b.name { return a.name < b.name }
            if a.value != b.value { return a.value < b.value }
        }
        return lhs.labels.count < rhs.labels.count
    }
}

/// Builds samples that share a timestamp; collectors use one per pass so that
/// every sample of a pass carries the pass's instant.
public struct SampleBuilder: Sendable {
    /// Timestamp stamped on every sample built.
    public let timestampMs: Int64
    /// Samples built so far, in insertion order.
    public private(set) var samples: [Sample] = []

    /// Creates a builder stamping `timestampMs`.
    public init(timestampMs: Int64) { self.timestampMs = timestampMs }

    /// Appends one sample.
    public mutating func add(_ name: String, _ labels: Labels = Labels(), _ value: Double) {
        samples.append(Sample(name, labels, value, timestampMs: timestampMs))
    }

    /// Appends one unlabelled sample.
    public mutating func add(_ name: String, _ value: Double) {
        add(name, Labels(), value)
    }

    /// Appends one sample when `value` is non-nil; parsed fields are optional
    /// and a missing one should leave a gap, not a zero.
    public mutating func add(_ name: String, _ labels: Labels = Labels(), ifPresent value: Double?) {
        if let value { add(name, labels, value) }
    }
}
