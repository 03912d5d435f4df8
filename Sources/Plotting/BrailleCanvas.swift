// A dot grid drawn with Unicode braille characters.
//
// Each braille character (U+2800...U+28FF) is a 2-wide, 4-high cell of dots,
// so a terminal cell carries eight pixels: a 60x15-cell chart has 120x60
// dots, enough for a readable line. The character for a cell is U+2800 plus
// a bit mask, one bit per dot, in this (historical, non-raster) order:
//
//     col 0  col 1
//     0x01   0x08     row 0
//     0x02   0x10     row 1
//     0x04   0x20     row 2
//     0x40   0x80     row 3

/// A grid of braille cells with one optional colour per cell.
///
/// Coordinates are in dots: x from 0 (left) to `dotWidth - 1`, y from 0 (top)
/// to `dotHeight - 1`. Dots outside the grid are ignored, never trapped on.
public struct BrailleCanvas: Sendable, Equatable {
    /// Width in cells.
    public let width: Int
    /// Height in cells.
    public let height: Int
    private var bits: [UInt8]
    private var colors: [ANSIColor?]

    /// An empty canvas of `width` x `height` cells (each clamped to 1...1000).
    public init(width: Int, height: Int) {
        self.width = max(1, min(1000, width))
        self.height = max(1, min(1000, height))
        bits = Array(repeating: 0, count: self.width * self.height)
        colors = Array(repeating: nil, count: self.width * self.height)
    }

    /// Width in dots (two per cell).
    public var dotWidth: Int { width * 2 }
    /// Height in dots (four per cell).
    public var dotHeight: Int { height * 4 }

    /// The bit for the dot at column `dx` (0...1) and row `dy` (0...3) of a cell.
    static func bit(dx: Int, dy: Int) -> UInt8 {
        let table: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
        return table[dx & 1][dy & 3]
    }

    /// Sets the dot at (x, y); the cell takes `color` (the last colour wins).
    public mutating func set(x: Int, y: Int, color: ANSIColor? = nil) {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return }
        let cell = (y / 4) * width + x / 2
        bits[cell] |= BrailleCanvas.bit(dx: x % 2, dy: y % 4)
        if color != nil { colors[cell] = color }
    }

    /// True when the dot at (x, y) is set.
    public func isSet(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < dotWidth, y < dotHeight else { return false }
        return bits[(y / 4) * width + x / 2] & BrailleCanvas.bit(dx: x % 2, dy: y % 4) != 0
    }

    /// Draws a straight line of dots from (x0, y0) to (x1, y1), both ends included.
    ///
    /// Bresenham's algorithm: integer steps only, so the same inputs always
    /// light the same dots and rendered output can be compared in tests.
    /// Endpoints far outside the canvas are clipped to a margin first so a
    /// huge coordinate cannot make the loop run for billions of steps.
    public mutating func line(x0: Int, y0: Int, x1: Int, y1: Int, color: ANSIColor? = nil) {
        let limit = 4 * max(dotWidth, dotHeight)
        let clamp = { (v: Int) in max(-limit, min(limit, v)) }
        var x = clamp(x0), y = clamp(y0)
        let xEnd = clamp(x1), yEnd = clamp(y1)
        let dx = abs(xEnd - x), dy = -abs(yEnd - y)
        let sx = x < xEnd ? 1 : -1, sy = y < yEnd ? 1 : -1
        var err = dx + dy
        while true {
            set(x: x, y: y, color: color)
            if x == xEnd && y == yEnd { return }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// The characters of cell row `row` (0 = top), with ANSI colour escapes
    /// when `useColor` is true. Empty cells are U+2800 (blank braille), which
    /// keeps every row the same width in any font that has braille.
    public func row(_ row: Int, useColor: Bool = false) -> String {
        guard row >= 0, row < height else { return "" }
        var out = ""
        var open: ANSIColor? = nil
        for col in 0..<width {
            let cell = row * width + col
            let char = Character(Unicode.Scalar(0x2800 + UInt32(bits[cell])) ?? " ")
            let color = useColor && bits[cell] != 0 ? colors[cell] : nil
            if color != open {
                // Runs of one colour share one escape sequence.
                if open != nil { out += ANSIColor.reset }
                if let color { out += color.escape }
                open = color
            }
            out.append(char)
        }
        if open != nil { out += ANSIColor.reset }
        return out
    }

    /// All rows joined by newlines, without a trailing newline.
    public func render(useColor: Bool = false) -> String {
        (0..<height).map { row($0, useColor: useColor) }.joined(separator: "\n")
    }
}
