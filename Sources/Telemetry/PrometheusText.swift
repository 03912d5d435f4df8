// The Prometheus text exposition format, version 0.0.4.
//
// What `opslab serve` answers on /metrics and what `promtool check metrics`
// must accept. The rules that matter, all applied here:
// - each family appears once: `# HELP`, then `# TYPE`, then all its samples;
// - label values escape backslash, double quote and newline; HELP text
//   escapes backslash and newline (quotes are literal there);
// - values are Go-parsable floats, with NaN, +Inf and -Inf spelled so;
// - output order is stable (families by name, series by labels), so two
//   scrapes of an unchanged host are byte-identical and diffs stay readable.

/// Renders metric families in the Prometheus text format 0.0.4.
public enum PrometheusText {
    /// The Content-Type to serve this format with.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Renders families in the order given. Samples whose name differs from
    /// their family's, or that break the name rules, are skipped rather than
    /// written as lines a scraper would reject as a whole. When
    /// `includeTimestamps` is true each line ends with the sample's
    /// millisecond timestamp (Prometheus recommends leaving them out for
    /// live scrapes, which is the default).
    public static func render(_ families: [MetricFamily], includeTimestamps: Bool = false) -> String {
        var out = ""
        var written = Set<String>()
        for family in families {
            let name = family.descriptor.name
            // One TYPE per family: a repeated family (caller error) is dropped
            // rather than producing output promtool rejects.
            guard MetricNames.isValidMetricName(name), written.insert(name).inserted else { continue }
            out += "# HELP \(name) \(escapeHelp(family.descriptor.help))\n"
            out += "# TYPE \(name) \(family.descriptor.type.rawValue)\n"
            for sample in family.samples where sample.name == name {
                out += line(for: sample, includeTimestamp: includeTimestamps)
            }
        }
        return out
    }

    /// Groups `samples` into families with `catalog` and renders them sorted by name.
    public static func render(_ samples: [Sample], catalog: MetricCatalog, includeTimestamps: Bool = false) -> String {
        render(catalog.families(for: samples), includeTimestamps: includeTimestamps)
    }

    /// One sample line, ending in a newline; empty when a label name is invalid.
    public static func line(for sample: Sample, includeTimestamp: Bool = false) -> String {
        var text = sample.name
        if !sample.labels.isEmpty {
            var parts: [String] = []
            for pair in sample.labels {
                guard MetricNames.isValidLabelName(pair.name) else { return "" }
                parts.append("\(pair.name)=\"\(escapeLabelValue(pair.value))\"")
            }
            text += "{" + parts.joined(separator: ",") + "}"
        }
        text += " " + formatValue(sample.value)
        if includeTimestamp { text += " \(sample.timestampMs)" }
        return text + "\n"
    }

    /// Escapes a label value: `\` -> `\\`, `"` -> `\"`, newline -> `\n`.
    public static func escapeLabelValue(_ value: String) -> String {
        escape(value, quotes: true)
    }

    /// Escapes HELP text: `\` -> `\\`, newline -> `\n`.
    public static func escapeHelp(_ help: String) -> String {
        escape(help, quotes: false)
    }

    /// The format escapes backslashes and newlines everywhere, and double
    /// quotes only inside label values.
    private static func escape(_ text: String, quotes: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"" where quotes: out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Formats a value the way Go's ParseFloat reads it back exactly: `NaN`,
    /// `+Inf`, `-Inf`, integers without a fraction (`1024`, not `1024.0`) up
    /// to 2^53, and otherwise the shortest round-tripping decimal (`0.25`,
    /// `1e-07`, `1.8446744073709552e+19`).
    public static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 {
            // Also turns -0.0 into "0"; Prometheus does not distinguish them.
            return String(Int64(value))
        }
        // Swift's description is the shortest round-trip form; its exponent
        // ("1e-07", "1.8446744073709552e+19") is one Go parses too.
        return value.description
    }
}

extension CollectionPass {
    /// The pass rendered in the Prometheus text format, with HELP and TYPE
    /// from `catalog` (usually `CollectorRunner.catalog`).
    public func exposition(catalog: MetricCatalog, includeTimestamps: Bool = false) -> String {
        PrometheusText.render(samples, catalog: catalog, includeTimestamps: includeTimestamps)
    }
}
