// `notebook run --check`: run without writing, compare the Markdown the run
// would write with the file, and show the difference as a unified diff.
//
// Some output changes on every run however correct the notebook is, so
// both sides are masked before comparing, by these rules, in this order:
//
//   ISO 8601 timestamps     2026-12-06T02:27:40Z, 2026-12-06 02:27:40   -> <timestamp>
//   clock times             02:27:40, 02:27:40.123                      -> <time>
//   Unix times in seconds   1796000000, 1796000000.25 (2001 to 2286)    -> <unix-time>
//   addresses               0x5581c2a0 (Lua's table: 0x..., pointers)   -> <address>
//   durations               12 ms, 1.5s, 250µs, 3.2 min                 -> <duration>
//
// Everything else, numbers included, must match exactly: a notebook whose
// results drift is what the check is for. Plots must match the stored SVG
// files byte for byte (the renderer depends on nothing but the chart),
// except charts on a time axis: those plot metric series read from the
// clock, so only their image lines are compared.

import Foundation

/// Masking and comparison for `--check`.
public enum NotebookCheck {
    /// The rules as (pattern, replacement), applied in order.
    static let rules: [(NSRegularExpression, String)] = [
        (#"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?"#, "<timestamp>"),
        (#"\b\d{2}:\d{2}:\d{2}(\.\d+)?\b"#, "<time>"),
        (#"\b(9\d{8}|[1-9]\d{9})(\.\d+)?\b"#, "<unix-time>"),
        (#"\b0x[0-9a-fA-F]{4,}\b"#, "<address>"),
        (#"\b\d+(\.\d+)?(e[-+]?\d+)? ?(ns|µs|us|ms|s|sec|seconds|min|h)\b"#, "<duration>"),
    ].compactMap { pattern, replacement in
        (try? NSRegularExpression(pattern: pattern)).map { ($0, replacement) }
    }

    /// `text` with its volatile parts replaced by placeholders.
    public static func mask(_ text: String) -> String {
        var masked = text
        for (expression, replacement) in rules {
            masked = expression.stringByReplacingMatches(in: masked, range: NSRange(masked.startIndex..., in: masked),
                                                         withTemplate: replacement)
        }
        return masked
    }

    /// A unified diff of the masked texts, or nil when they agree.
    public static func difference(stored: String, fresh: String, name: String) -> String? {
        let a = mask(stored), b = mask(fresh)
        guard a != b else { return nil }
        return UnifiedDiff(old: lines(a), new: lines(b)).render(oldName: name + " (stored)", newName: name + " (this run)")
    }

    /// One line for each plot whose SVG is not the file stored at its path
    /// (or has none), naming the file and the first line that differs.
    /// - Parameter read: the stored bytes of a path relative to the notebook, nil when missing.
    public static func plotDifferences(_ plots: [PlotFile], read: (String) -> [UInt8]?) -> [String] {
        plots.filter { !$0.onTimeAxis }.compactMap { plot -> String? in
            guard let bytes = read(plot.path) else { return "\(plot.path): this run drew a plot that is not stored" }
            let stored = lines(String(decoding: bytes, as: UTF8.self)), fresh = lines(plot.svg)
            guard stored != fresh else { return nil }
            let line = zip(stored, fresh).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(stored.count, fresh.count)
            return "\(plot.path): differs from the stored file from line \(line + 1)"
        }
    }

    static func lines(_ text: String) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

/// A line diff (longest common subsequence) rendered as `diff -u` does,
/// with three lines of context around each change.
struct UnifiedDiff {
    enum Edit: Equatable { case same(String), removed(String), added(String) }
    let edits: [Edit]

    init(old: [String], new: [String]) {
        // Common prefix and suffix first: a notebook's changes are usually few.
        var prefix = 0
        while prefix < old.count, prefix < new.count, old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix, suffix < new.count - prefix,
              old[old.count - 1 - suffix] == new[new.count - 1 - suffix] { suffix += 1 }
        let a = Array(old[prefix..<(old.count - suffix)]), b = Array(new[prefix..<(new.count - suffix)])
        // Past a few million cells the table costs more than a readable diff
        // is worth: everything in between is shown as replaced.
        let exhaustive = a.count * b.count <= 4_000_000
        var table = [[Int]](repeating: [Int](repeating: 0, count: exhaustive ? b.count + 1 : 1), count: exhaustive ? a.count + 1 : 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) where exhaustive {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                table[i][j] = a[i] == b[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var edits = old[..<prefix].map(Edit.same)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if !exhaustive {
                edits += a.map(Edit.removed) + b.map(Edit.added)
                break
            }
            if i < a.count, j < b.count, a[i] == b[j] {
                edits.append(.same(a[i])); i += 1; j += 1
            } else if i < a.count, j == b.count || table[i + 1][j] >= table[i][j + 1] {
                // Removals before additions, as diff -u shows a changed line.
                edits.append(.removed(a[i])); i += 1
            } else {
                edits.append(.added(b[j])); j += 1
            }
        }
        edits += old[(old.count - suffix)...].map(Edit.same)
        self.edits = edits
    }

    func render(oldName: String, newName: String, context: Int = 3) -> String {
        var out = "--- \(oldName)\n+++ \(newName)\n"
        let changed = edits.indices.filter { if case .same = edits[$0] { return false } else { return true } }
        var k = 0
        while k < changed.count {
            // A hunk: changes closer than twice the context share one.
            var last = k
            while last + 1 < changed.count, changed[last + 1] - changed[last] <= 2 * context + 1 { last += 1 }
            let start = max(0, changed[k] - context), end = min(edits.count, changed[last] + context + 1)
            var oldLine = 1, newLine = 1
            for e in edits[..<start] {
                switch e {
                case .same: oldLine += 1; newLine += 1
                case .removed: oldLine += 1
                case .added: newLine += 1
                }
            }
            var body = "", oldCount = 0, newCount = 0
            for e in edits[start..<end] {
                switch e {
                case .same(let l): body += " \(l)\n"; oldCount += 1; newCount += 1
                case .removed(let l): body += "-\(l)\n"; oldCount += 1
                case .added(let l): body += "+\(l)\n"; newCount += 1
                }
            }
            out += "@@ -\(oldCount == 0 ? oldLine - 1 : oldLine),\(oldCount) +\(newCount == 0 ? newLine - 1 : newLine),\(newCount) @@\n" + body
            k = last + 1
        }
        return out
    }
}
