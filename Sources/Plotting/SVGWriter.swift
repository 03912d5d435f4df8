// The few SVG elements the renderer draws, written as text with escaped
// strings and coordinates rounded to a tenth of a unit (finer than any
// screen shows, and it keeps files small and stable across platforms).

/// Builds one SVG document element by element.
struct SVGWriter {
    private var body: String = ""
    private let width: Double
    private let height: Double

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
        body.reserveCapacity(16_384)
        body += "<rect width=\"\(SVGWriter.number(width))\" height=\"\(SVGWriter.number(height))\" fill=\"#fff\"/>\n"
    }

    /// The complete document.
    func finish() -> String {
        let w = SVGWriter.number(width), h = SVGWriter.number(height)
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(w) \(h)\" width=\"100%\" "
            + "font-family=\"sans-serif\" role=\"img\">\n" + body + "</svg>\n"
    }

    mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, color: String) {
        body += "<line x1=\"\(SVGWriter.number(x0))\" y1=\"\(SVGWriter.number(y0))\" x2=\"\(SVGWriter.number(x1))\" "
            + "y2=\"\(SVGWriter.number(y1))\" stroke=\"\(color)\"/>\n"
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil) {
        body += "<rect x=\"\(SVGWriter.number(x))\" y=\"\(SVGWriter.number(y))\" width=\"\(SVGWriter.number(width))\" "
            + "height=\"\(SVGWriter.number(height))\" fill=\"\(fill)\"" + (stroke.map { " stroke=\"\($0)\"" } ?? "") + "/>\n"
    }

    mutating func circle(x: Double, y: Double, r: Double, fill: String) {
        body += "<circle cx=\"\(SVGWriter.number(x))\" cy=\"\(SVGWriter.number(y))\" r=\"\(SVGWriter.number(r))\" fill=\"\(fill)\"/>\n"
    }

    /// A line through the points; nil entries break it into separate pieces.
    mutating func polyline(_ points: [(x: Double, y: Double)?], color: String) {
        var path = ""
        var pen = false
        for point in points {
            guard let point else { pen = false; continue }
            path += (pen ? "L" : "M") + SVGWriter.number(point.x) + " " + SVGWriter.number(point.y)
            pen = true
        }
        guard !path.isEmpty else { return }
        body += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" stroke-linejoin=\"round\"/>\n"
    }

    mutating func text(_ text: String, x: Double, y: Double, size: Double, anchor: String = "start",
                       bold: Bool = false, color: String = "#222", transform: String? = nil) {
        var attributes = "x=\"\(SVGWriter.number(x))\" y=\"\(SVGWriter.number(y))\" font-size=\"\(SVGWriter.number(size))\" fill=\"\(color)\""
        if anchor != "start" { attributes += " text-anchor=\"\(anchor)\"" }
        if bold { attributes += " font-weight=\"bold\"" }
        if let transform { attributes += " transform=\"\(transform)\"" }
        body += "<text \(attributes)>\(Markup.escape(text))</text>\n"
    }

    /// Estimated rendered width: 0.6 em per character, an upper bound for
    /// digits and most Latin text in common sans-serif fonts.
    static func textWidth(_ text: String, size: Double) -> Double {
        Double(text.count) * size * 0.6
    }

    /// A coordinate with at most one decimal, without a trailing ".0".
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int((max(-1e9, min(1e9, value)) * 10).rounded())
        let magnitude = abs(tenths)
        let sign = tenths < 0 ? "-" : ""
        return magnitude % 10 == 0 ? sign + String(magnitude / 10) : sign + String(magnitude / 10) + "." + String(magnitude % 10)
    }
}
