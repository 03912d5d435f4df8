// Grouping samples into families, and the name rules every sample must obey.
//
// The Prometheus text format wants each family's samples together, under one
// HELP and one TYPE line. Collectors emit samples in whatever order is natural
// for the file they parse, so grouping happens here, once, with a catalog of
// descriptors supplying the metadata.

/// A metric family: its descriptor and its samples, sorted by series.
public struct MetricFamily: Sendable, Equatable {
    /// Name, help and type.
    public var descriptor: MetricDescriptor
    /// Samples of this family, sorted by label set.
    public var samples: [Sample]

    /// Creates a family; samples are sorted into stable series order.
    public init(descriptor: MetricDescriptor, samples: [Sample]) {
        self.descriptor = descriptor
        self.samples = samples.sorted { $0.seriesKey < $1.seriesKey }
    }

    /// The family name.
    public var name: String { descriptor.name }
}

/// Descriptors by metric name: where the exposition writer finds HELP and TYPE.
///
/// The first registration of a name wins, so a collector cannot silently
/// re-type a family another collector already described.
public struct MetricCatalog: Sendable {
    private var byName: [String: MetricDescriptor] = [:]

    /// An empty catalog.
    public init() {}

    /// A catalog holding `descriptors`.
    public init(_ descriptors: [MetricDescriptor]) {
        register(descriptors)
    }

    /// Adds descriptors whose names are not yet known.
    public mutating func register(_ descriptors: [MetricDescriptor]) {
        for descriptor in descriptors where byName[descriptor.name] == nil {
            byName[descriptor.name] = descriptor
        }
    }

    /// The descriptor for `name`, if registered.
    public subscript(name: String) -> MetricDescriptor? { byName[name] }

    /// All registered descriptors, sorted by name.
    public var descriptors: [MetricDescriptor] {
        byName.values.sorted { $0.name < $1.name }
    }

    /// Groups samples into families sorted by name.
    ///
    /// Samples of an unregistered name become an `untyped` family with a
    /// generic help text (the format and promtool want a HELP line for every
    /// family). When `includeEmpty` is true, registered families with no
    /// samples are listed too, with no samples.
    public func families(for samples: [Sample], includeEmpty: Bool = false) -> [MetricFamily] {
        var grouped: [String: [Sample]] = [:]
        for sample in samples { grouped[sample.name, default: []].append(sample) }
        if includeEmpty {
            for name in byName.keys where grouped[name] == nil { grouped[name] = [] }
        }
        return grouped.keys.sorted().map { name in
            let descriptor = byName[name]
                ?? MetricDescriptor(name, .untyped, "\(name) (no description registered)")
            return MetricFamily(descriptor: descriptor, samples: grouped[name] ?? [])
        }
    }
}

/// The character rules for metric and label names.
public enum MetricNames {
    /// True when `name` matches `[a-zA-Z_:][a-zA-Z0-9_:]*`, the metric name rule.
    public static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        guard isLetter(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: ":") else { return false }
        return name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") }
    }

    /// True when `name` matches `[a-zA-Z_][a-zA-Z0-9_]*` and does not start
    /// with `__`, which Prometheus reserves for its own labels.
    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        guard isLetter(first) || first == UInt8(ascii: "_") else { return false }
        if name.hasPrefix("__") { return false }
        return name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// Turns an arbitrary string into a valid name fragment: every character
    /// outside `[a-zA-Z0-9_]` becomes `_`, and a leading digit gets a `_` prefix.
    public static func sanitize(_ raw: String) -> String {
        var bytes: [UInt8] = raw.utf8.map { isLetter($0) || isDigit($0) ? $0 : UInt8(ascii: "_") }
        if let first = bytes.first, isDigit(first) { bytes.insert(UInt8(ascii: "_"), at: 0) }
        if bytes.isEmpty { bytes = [UInt8(ascii: "_")] }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Converts a CamelCase identifier such as `/proc/meminfo`'s `MemTotal`,
    /// `Active(anon)` or `HugePages_Total` to snake case (`mem_total`,
    /// `active_anon`, `huge_pages_total`).
    ///
    /// An underscore goes before an upper-case letter that follows a lower-case
    /// letter, and before the last capital of a run that is followed by a
    /// lower-case letter (`KReclaimable` -> `k_reclaimable`); other characters
    /// outside `[a-zA-Z0-9]` become single underscores.
    public static func snakeCase(_ raw: String) -> String {
        let chars = Array(raw.unicodeScalars)
        var out = ""
        for (i, c) in chars.enumerated() {
            let isUpper = c.properties.isUppercase && c.isASCII
            let isAlnum = c.isASCII && (c.properties.isAlphabetic || ("0"..."9").contains(c))
            if !isAlnum {
                if !out.isEmpty && !out.hasSuffix("_") { out += "_" }
                continue
            }
            if isUpper && i > 0 {
                let prev = chars[i - 1]
                // Not after a digit: "DirectMap2M" becomes direct_map2m, not
                // direct_map2_m (a lone "m" reads as an abbreviated unit).
                let prevLowerOrDigit = prev.isASCII && prev.properties.isLowercase
                let prevUpper = prev.isASCII && prev.properties.isUppercase
                let nextLower = i + 1 < chars.count && chars[i + 1].isASCII && chars[i + 1].properties.isLowercase
                if (prevLowerOrDigit || (prevUpper && nextLower)) && !out.isEmpty && !out.hasSuffix("_") {
                    out += "_"
                }
            }
            out += String(c).lowercased()
        }
        while out.hasSuffix("_") { out.removeLast() }
        return out
    }

    private static func isLetter(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
    }

    private static func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }
}

/// Why a batch of samples was rejected.
public enum SampleValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A metric name breaks the name rule.
    case invalidMetricName(String)
    /// A label name breaks the label rule (or uses the reserved `__` prefix).
    case invalidLabelName(metric: String, label: String)
    /// A label value is unusable: it holds a NUL, or it is the text `NaN`, which
    /// almost always comes from formatting a missing number into an identity
    /// label and yields a series no query will ever match.
    case invalidLabelValue(metric: String, label: String, value: String)
    /// The same name and label set appears twice in one batch.
    case duplicateSeries(String)
    /// A sample's name is registered with another collector's descriptor of a
    /// conflicting type, or a counter value is negative.
    case typeMismatch(String)

    /// The problem in words.
    public var description: String {
        switch self {
        case .invalidMetricName(let n): return "invalid metric name '\(n)'"
        case .invalidLabelName(let m, let l): return "metric \(m): invalid label name '\(l)'"
        case .invalidLabelValue(let m, let l, let v): return "metric \(m): invalid value '\(v)' for label \(l)"
        case .duplicateSeries(let s): return "duplicate series \(s)"
        case .typeMismatch(let s): return s
        }
    }
}

/// Checks that a collector's output can be exposed: valid names, sane label
/// values, no duplicate series, counters not negative.
public enum SampleValidator {
    /// Throws the first problem found in `samples`; `descriptors` (optional)
    /// supply the declared types so that negative counters are caught.
    public static func validate(_ samples: [Sample], descriptors: MetricCatalog = MetricCatalog()) throws {
        var seen = Set<SeriesKey>()
        for sample in samples {
            guard MetricNames.isValidMetricName(sample.name) else {
                throw SampleValidationError.invalidMetricName(sample.name)
            }
            for pair in sample.labels {
                guard MetricNames.isValidLabelName(pair.name) else {
                    throw SampleValidationError.invalidLabelName(metric: sample.name, label: pair.name)
                }
                if pair.value.utf8.contains(0) || pair.value.lowercased() == "nan" {
                    throw SampleValidationError.invalidLabelValue(metric: sample.name, label: pair.name, value: pair.value)
                }
            }
            if !seen.insert(sample.seriesKey).inserted {
                throw SampleValidationError.duplicateSeries(sample.seriesKey.description)
            }
            if descriptors[sample.name]?.type == .counter, sample.value < 0 {
                throw SampleValidationError.typeMismatch("counter \(sample.seriesKey) is negative (\(sample.value))")
            }
        }
    }
}
