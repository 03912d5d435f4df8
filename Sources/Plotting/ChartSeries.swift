// The data a chart draws, and the colours it may draw it in.
//
// A series is plain arrays, the shape a metrics range query or a training
// loop produces. Missing values are NaN (what a Prometheus gap or a skipped
// step becomes) and they break the line instead of being drawn as zero.

/// One line of a chart: x and y values, a name for the legend, a colour.
public struct ChartSeries: Sendable, Equatable {
    /// Legend name (may be empty).
    public var name: String
    /// X values, e.g. Unix seconds or step numbers.
    public var x: [Double]
    /// Y values; NaN or infinite values are gaps.
    public var y: [Double]
    /// Colour when colour output is on; nil picks from the default palette.
    public var color: ANSIColor?
    /// Joined points or separate markers.
    public var style: SeriesStyle

    /// A series from paired arrays; extra values in the longer array are ignored.
    public init(_ name: String = "", x: [Double], y: [Double], color: ANSIColor? = nil, style: SeriesStyle = .line) {
        self.name = name
        self.x = x
        self.y = y
        self.color = color
        self.style = style
    }

    /// A series over x = 0, 1, 2, ... (a loss curve by step, say).
    public init(_ name: String = "", y: [Double], color: ANSIColor? = nil, style: SeriesStyle = .line) {
        self.init(name, x: y.indices.map(Double.init), y: y, color: color, style: style)
    }

    /// The drawable points in order: both coordinates finite. A point with a
    /// non-finite coordinate is a gap, returned as nil so callers can break the line.
    public var points: [(x: Double, y: Double)?] {
        zip(x, y).map { px, py in
            px.isFinite && py.isFinite ? (px, py) : nil
        }
    }

    /// True when the series has at least one drawable point.
    public var hasData: Bool { points.contains { $0 != nil } }
}

/// How a series is drawn.
public enum SeriesStyle: Sendable, Equatable {
    /// Consecutive points joined; a gap breaks the line.
    case line
    /// One marker per point (a scatter plot).
    case points
}

/// The eight standard ANSI foreground colours (and their bright variants),
/// the set every terminal supports; a chart's few lines need no more.
public enum ANSIColor: Int, Sendable, CaseIterable, Equatable {
    /// Black (30).
    case black = 30
    /// Red (31).
    case red = 31
    /// Green (32).
    case green = 32
    /// Yellow (33).
    case yellow = 33
    /// Blue (34).
    case blue = 34
    /// Magenta (35).
    case magenta = 35
    /// Cyan (36).
    case cyan = 36
    /// White (37).
    case white = 37
    /// Bright red (91).
    case brightRed = 91
    /// Bright green (92).
    case brightGreen = 92
    /// Bright yellow (93).
    case brightYellow = 93
    /// Bright blue (94).
    case brightBlue = 94
    /// Bright magenta (95).
    case brightMagenta = 95
    /// Bright cyan (96).
    case brightCyan = 96

    /// The escape sequence that switches to this colour.
    public var escape: String { "\u{1B}[\(rawValue)m" }

    /// The escape sequence that restores the default colour.
    public static let reset = "\u{1B}[0m"

    /// Colours given to series without one, in order. Black and white are
    /// left out: one of them is invisible on any given terminal background.
    public static let palette: [ANSIColor] = [.blue, .red, .green, .yellow, .magenta, .cyan,
                                              .brightBlue, .brightRed, .brightGreen, .brightYellow]

    /// The palette colour for the series at `index` (cycling).
    public static func paletteColor(_ index: Int) -> ANSIColor {
        palette[((index % palette.count) + palette.count) % palette.count]
    }

    /// `text` wrapped in this colour's escape and a reset.
    public func wrap(_ text: String) -> String { escape + text + ANSIColor.reset }
}
