// Downsampling a line for drawing, keeping what the eye would see.
//
// Method (M4, Jugel et al., VLDB 2014): consecutive points that fall in the
// same pixel column are a run; of each run only the first, the lowest, the
// highest and the last point are kept, in their original order. Drawn at
// that width the line is the same as the full series': every spike, dip,
// and the entry and exit of each column survive, so a 100,000-point series
// becomes at most 4 points per column. Averaging would hide exactly the
// extremes a monitoring chart is for. Gaps (nil) end a run and are kept.

/// The points of a line worth drawing at `columns` pixel columns.
/// - Parameter column: the pixel column of a point's x value.
func downsampleForColumns(_ points: [(x: Double, y: Double)?], column: (Double) -> Int) -> [(x: Double, y: Double)?] {
    var out: [(x: Double, y: Double)?] = []
    out.reserveCapacity(min(points.count, 4096))
    // The current run as indices into `points`.
    var runColumn: Int? = nil
    var first = 0, last = 0, lowest = 0, highest = 0
    var lowY = 0.0, highY = 0.0

    func flush() {
        guard runColumn != nil else { return }
        for index in Set([first, lowest, highest, last]).sorted() { out.append(points[index]) }
        runColumn = nil
    }

    for (index, point) in points.enumerated() {
        guard let point else {
            flush()
            out.append(nil)
            continue
        }
        let c = column(point.x)
        if c != runColumn {
            flush()
            runColumn = c
            (first, last, lowest, highest) = (index, index, index, index)
            (lowY, highY) = (point.y, point.y)
            continue
        }
        last = index
        if point.y < lowY { (lowest, lowY) = (index, point.y) }
        if point.y > highY { (highest, highY) = (index, point.y) }
    }
    flush()
    return out
}
