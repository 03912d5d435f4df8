import Foundation
import Tensor

/// The tensor library's seeded generator; inside a Sequence the bare name
/// `Generator` means the sequence's iterator.
typealias SeededGenerator = Generator

/// Mini-batches over paired tensors (rows of `x` with rows of `y`),
/// optionally shuffled each epoch by a seeded generator.
public struct DataLoader: Sequence {
    public let x: Tensor
    public let y: Tensor?
    public let batchSize: Int
    public let shuffle: Bool
    public let dropLast: Bool
    let generator: SeededGenerator

    public init(x: Tensor, y: Tensor? = nil, batchSize: Int, shuffle: Bool = false, dropLast: Bool = false, seed: UInt64 = 0) throws {
        guard x.ndim >= 1, x.shape[0] > 0 else { throw NNError.invalidArgument("data.loader: x must have at least one row, got shape \(x.shape)") }
        guard batchSize > 0 else { throw NNError.invalidArgument("data.loader: batch_size must be positive, got \(batchSize)") }
        if let y, y.ndim == 0 || y.shape[0] != x.shape[0] {
            throw NNError.invalidArgument("data.loader: x has \(x.shape[0]) rows but y has shape \(y.shape)")
        }
        self.x = x
        self.y = y
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        generator = SeededGenerator(seed: seed)
    }

    /// Batches in one epoch.
    public var batchCount: Int {
        let rows = x.shape[0]
        // rows + batchSize - 1 could pass Int.max.
        return dropLast ? rows / batchSize : rows / batchSize + (rows % batchSize == 0 ? 0 : 1)
    }

    /// One epoch: each call to `makeIterator` draws a new order when shuffling.
    public func makeIterator() -> AnyIterator<(x: Tensor, y: Tensor?)> {
        let rows = x.shape[0]
        var order = Array(0..<rows)
        if shuffle {
            // Fisher–Yates with the loader's own generator: the same seed gives the same epochs.
            for i in stride(from: rows - 1, to: 0, by: -1) {
                let j = Int(generator.nextUInt64() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        var start = 0
        let (x, y, batchSize, dropLast) = (self.x, self.y, self.batchSize, self.dropLast)
        return AnyIterator {
            guard start < rows, !(dropLast && rows - start < batchSize) else { return nil }
            let end = rows - start <= batchSize ? rows : start + batchSize
            let indices = Array(order[start..<end])
            start = end
            guard let bx = try? x.indexSelect(0, indices) else { return nil }
            return (bx, y.flatMap { try? $0.indexSelect(0, indices) })
        }
    }
}

/// Reads a CSV file of numbers into a [rows, columns] tensor. A first line
/// that does not parse as numbers is taken as the header.
public func loadCSV(_ path: String, separator: Character = ",") throws -> (tensor: Tensor, header: [String]?) {
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        throw NNError.invalidArgument("load_csv: cannot read \(path) as UTF-8 text")
    }
    var header: [String]?
    var values: [Float] = []
    var columns: Int?
    var rows = 0
    for (number, line) in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).enumerated() {
        let cells = line.split(separator: separator, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let parsed = cells.map { Float($0) }
        if parsed.contains(where: { $0 == nil }) {
            guard number == 0 else {
                throw NNError.invalidArgument("load_csv: \(path):\(number + 1): not a number in \"\(line.prefix(60))\"")
            }
            header = cells
            continue
        }
        if let columns, columns != cells.count {
            throw NNError.invalidArgument("load_csv: \(path):\(number + 1): expected \(columns) columns, got \(cells.count)")
        }
        columns = cells.count
        values += parsed.compactMap { $0 }
        rows += 1
    }
    guard let columns, rows > 0 else { throw NNError.invalidArgument("load_csv: \(path) has no rows of numbers") }
    return (try Tensor(shape: [rows, columns], data: values), header)
}
