// `description` in PyTorch's format, so output pasted next to a PyTorch
// session lines up: `tensor([[1.5000, 2.0000], ...])`.
//
// This follows torch/_tensor_str.py with its default print options
// (precision 4, threshold 1000, edgeitems 3, linewidth 80): one formatter
// for the whole tensor picks integer mode ("1."), fixed ("1.5000") or
// scientific ("1.0000e+08") from the values actually shown, and pads every
// element to the same width. Tensors over the threshold are summarised with
// "..." and, unlike PyTorch, also print their size so the elision is clear.

import Foundation

/// Default print options, as in PyTorch.
enum PrintOptions {
    static let precision = 4
    static let threshold = 1000
    static let edgeitems = 3
    static let linewidth = 80
}

/// Chooses the number style and width for a set of values.
struct ValueFormatter {
    var intMode = true
    var sciMode = false
    var width = 1

    init(_ values: [Float]) {
        let finite = values.filter { $0.isFinite && $0 != 0 }
        guard !finite.isEmpty else { return }
        let abs = finite.map { Swift.abs(Double($0)) }
        let lo = abs.min() ?? 1, hi = abs.max() ?? 1
        intMode = finite.allSatisfy { $0 == $0.rounded(.up) }
        if intMode {
            sciMode = hi / lo > 1000 || hi > 1e8
        } else {
            sciMode = hi / lo > 1000 || hi > 1e8 || lo < 1e-4
        }
        for v in finite {
            let s: String
            if sciMode { s = ValueFormatter.sci(v) }
            else if intMode { s = String(format: "%.0f", Double(v)) + "." }
            else { s = String(format: "%.\(PrintOptions.precision)f", Double(v)) }
            width = Swift.max(width, s.count)
        }
    }

    static func sci(_ v: Float) -> String {
        String(format: "%.\(PrintOptions.precision)e", Double(v))
    }

    func format(_ v: Float) -> String {
        var s: String
        if v.isNaN { s = "nan" }
        else if v.isInfinite { s = v < 0 ? "-inf" : "inf" }
        else if sciMode { s = ValueFormatter.sci(v) }
        else if intMode { s = String(format: "%.0f", Double(v)) + "." }
        else { s = String(format: "%.\(PrintOptions.precision)f", Double(v)) }
        if s.count < width { s = String(repeating: " ", count: width - s.count) + s }
        return s
    }
}

extension Tensor: CustomStringConvertible {
    /// The tensor as PyTorch would print it, including `grad_fn=<...>` or
    /// `requires_grad=True`, and `size=(...)` for empty or summarised tensors.
    public var description: String {
        let prefix = "tensor("
        let indent = prefix.count
        var suffixes: [String] = []
        let body: String
        let sizeText = "size=(" + shape.map(String.init).joined(separator: ", ") + (ndim == 1 ? ",)" : ")")
        if count == 0 {
            if ndim != 1 { suffixes.append(sizeText) }
            body = "[]"
        } else {
            let summarize = count > PrintOptions.threshold
            var shown: [Float] = []
            collect(dim: 0, offset: storageOffset, summarize: summarize, into: &shown)
            let f = ValueFormatter(shown)
            body = render(dim: 0, offset: storageOffset, indent: indent, summarize: summarize, f)
            if summarize { suffixes.append(sizeText) }
        }
        if let gradFn {
            suffixes.append("grad_fn=<\(gradFn.name)>")
        } else if requiresGradFlag {
            suffixes.append("requires_grad=True")
        }
        var out = prefix + body
        // Same arithmetic as PyTorch's _add_suffixes.
        var lastLine = out.count - (out.lastIndex(of: "\n").map { out.distance(from: out.startIndex, to: $0) } ?? -1) + 1
        for s in suffixes {
            if lastLine + s.count + 2 > PrintOptions.linewidth {
                out += ",\n" + String(repeating: " ", count: indent) + s
                lastLine = indent + s.count
            } else {
                out += ", " + s
                lastLine += s.count + 2
            }
        }
        return out + ")"
    }

    /// Indices shown along a dim of size n.
    private func shownIndices(_ n: Int, _ summarize: Bool) -> [Int]? {
        let e = PrintOptions.edgeitems
        if summarize && n > 2 * e { return Array(0..<e) + [-1] + Array((n - e)..<n) }
        return nil
    }

    private func collect(dim: Int, offset: Int, summarize: Bool, into out: inout [Float]) {
        let p = storage.data
        if dim == ndim { out.append(p[offset]); return }
        let n = shape[dim]
        let idx = shownIndices(n, summarize) ?? Array(0..<n)
        for i in idx where i >= 0 {
            collect(dim: dim + 1, offset: offset + i * strides[dim], summarize: summarize, into: &out)
        }
    }

    private func render(dim: Int, offset: Int, indent: Int, summarize: Bool, _ f: ValueFormatter) -> String {
        let p = storage.data
        if dim == ndim { return f.format(p[offset]) }
        let n = shape[dim]
        let idx = shownIndices(n, summarize) ?? Array(0..<n)
        if dim == ndim - 1 {
            let items = idx.map { $0 < 0 ? " ..." : f.format(p[offset + $0 * strides[dim]]) }
            let perLine = Swift.max(1, (PrintOptions.linewidth - indent) / (f.width + 2))
            var lines: [String] = []
            var i = 0
            while i < items.count {
                lines.append(items[i..<Swift.min(items.count, i + perLine)].joined(separator: ", "))
                i += perLine
            }
            return "[" + lines.joined(separator: ",\n" + String(repeating: " ", count: indent + 1)) + "]"
        }
        let parts = idx.map { i -> String in
            i < 0 ? "..." : render(dim: dim + 1, offset: offset + i * strides[dim], indent: indent + 1,
                                    summarize: summarize, f)
        }
        let sep = "," + String(repeating: "\n", count: ndim - dim - 1) + String(repeating: " ", count: indent + 1)
        return "[" + parts.joined(separator: sep) + "]"
    }
}
