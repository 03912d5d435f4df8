/// A kind of plugin (collector, sink, optimizer, layer, ...): what its
/// manifest must hold beyond the common fields. Domain modules add kinds;
/// the registry knows no kind by name.
public struct PluginKind: Sendable, Hashable {
    /// The value of the manifest's `kind` field.
    public let name: String
    /// What a plugin of this kind is for, for `plugins.kinds()` and help.
    public let summary: String
    /// Fields that must be functions (e.g. `collect` for a collector).
    public let requiredFunctions: [String]
    /// Fields that may be present and, if so, must be functions.
    public let optionalFunctions: [String]
    /// Extra checks of kind-specific fields; return a problem to refuse the
    /// manifest (e.g. a collector's `interval` must be a duration).
    public let validate: @Sendable (PluginManifest) -> ManifestProblem?

    public init(name: String, summary: String, requiredFunctions: [String],
                optionalFunctions: [String] = [],
                validate: @escaping @Sendable (PluginManifest) -> ManifestProblem? = { _ in nil }) {
        self.name = name
        self.summary = summary
        self.requiredFunctions = requiredFunctions
        self.optionalFunctions = optionalFunctions
        self.validate = validate
    }

    public static func == (a: PluginKind, b: PluginKind) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

extension PluginKind {
    /// Produces samples on a schedule: `collect(ctx)` returns a list of
    /// `{name=, value=, labels=}`; `interval` is a duration such as "30s".
    public static let collector = PluginKind(
        name: "collector", summary: "produces metric samples on a schedule",
        requiredFunctions: ["collect"], optionalFunctions: ["init"],
        validate: { manifest in
            guard let interval = manifest.fields["interval"] else { return nil }
            guard case .string(let text) = interval, Duration.parse(text) != nil else {
                return ManifestProblem(field: "interval",
                                       message: "expected a duration such as \"30s\" or \"5m\", got \(interval.summary)")
            }
            return nil
        })

    /// Delivers alert notifications: `send(notification)`.
    public static let sink = PluginKind(
        name: "sink", summary: "delivers alert notifications",
        requiredFunctions: ["send"], optionalFunctions: ["init"])

    /// Updates parameters from their gradients: `init(self, options)` once,
    /// then `step(self)` with `self.params`, `self.lr`, `self.state`.
    public static let optimizer = PluginKind(
        name: "optimizer", summary: "updates model parameters from gradients",
        requiredFunctions: ["step"], optionalFunctions: ["init"])

    /// A neural-network layer built from tensor ops: `init(self, ...)` with
    /// the constructor's arguments, then `forward(self, x, ...)`.
    public static let layer = PluginKind(
        name: "layer", summary: "a neural-network layer built from tensor operations",
        requiredFunctions: ["forward"], optionalFunctions: ["init"])

    /// The kinds every registry starts with.
    public static let standard: [PluginKind] = [.collector, .sink, .optimizer, .layer]
}

/// Parses durations in the Prometheus style: "500ms", "30s", "5m", "1h30m", "2d".
extension Duration {
    /// The duration in seconds, as a floating-point number.
    public var totalSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }

    /// The duration in whole milliseconds.
    public var totalMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    public static func parse(_ text: String) -> Duration? {
        var total = 0.0
        var number = ""
        var unit = ""
        var sawAny = false
        func flush() -> Bool {
            guard let value = Double(number), !unit.isEmpty else { return false }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86400
            case "w": scale = 604800
            default: return false
            }
            total += value * scale
            number = ""
            unit = ""
            sawAny = true
            return true
        }
        for ch in text {
            if ch.isNumber || ch == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(ch)
            } else if ch.isLetter {
                guard !number.isEmpty || !unit.isEmpty else { return nil }
                unit.append(ch)
            } else {
                return nil
            }
        }
        guard flush(), sawAny, total > 0, total < 1e9 else { return nil }
        return .milliseconds(Int64((total * 1000).rounded()))
    }
}
