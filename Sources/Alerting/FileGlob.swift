// Rule-file patterns, as Prometheus reads `rule_files` and `--rules`:
// shell globs, sorted; a plain path matches itself when the file exists
// (Go's filepath.Glob).

import Foundation

public enum FileGlob {
    /// The files matching `pattern`, sorted.
    public static func expand(_ pattern: String) -> [String] {
        guard pattern.contains(where: { "*?[".contains($0) }) else {
            return FileManager.default.fileExists(atPath: pattern) ? [pattern] : []
        }
        var result = glob_t()
        defer { globfree(&result) }
        guard glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].flatMap { String(cString: $0) } }.sorted()
    }

    /// Whether `file` is one `pattern` would match.
    public static func matches(pattern: String, file: String) -> Bool {
        file == pattern || fnmatch(pattern, file, 0) == 0
    }
}
