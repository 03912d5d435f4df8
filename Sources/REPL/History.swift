#if canImport(Glibc)
import Glibc
#endif

/// The REPL's persistent history: one entry per line, newlines inside an
/// entry written as `\n` and backslashes as `\\`. Each entry is appended the
/// moment it is entered, so a crash loses nothing. A corrupt file (binary
/// garbage, invalid UTF-8, huge lines) yields what can be read; an
/// unwritable one is reported once and the session goes on without it.
public final class History {
    public let path: String
    public let limit: Int
    /// Why the history cannot be saved, reported once to the user.
    public private(set) var problem: String?
    private var descriptor: Int32 = -1

    public init(path: String, limit: Int = 2000) {
        self.path = path
        self.limit = limit
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Reads the saved entries, oldest first, at most `limit`. Compacts the
    /// file when it has grown past twice the limit.
    public func load() -> [String] {
        guard let file = fopen(path, "rb") else { return [] }
        var entries: [String] = []
        var line: [UInt8] = []
        var tooLong = false
        func finish() {
            defer { line.removeAll(keepingCapacity: true); tooLong = false }
            guard !tooLong, !line.isEmpty, let entry = History.decode(line) else { return }
            entries.append(entry)
        }
        while true {
            let c = getc(file)
            if c == EOF { break }
            if c == 0x0A { finish(); continue }
            if line.count < 65536 { line.append(UInt8(truncatingIfNeeded: c)) } else { tooLong = true }
        }
        finish()
        fclose(file)
        if entries.count > 2 * limit {
            entries = Array(entries.suffix(limit))
            rewrite(entries)
        }
        return Array(entries.suffix(limit))
    }

    /// Appends one entry to the file.
    public func append(_ entry: String) {
        guard problem == nil else { return }
        if descriptor < 0 {
            descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            if descriptor < 0 {
                problem = "history will not be saved: cannot open \(path) (\(String(cString: strerror(errno))))"
                return
            }
        }
        let bytes = Array((History.encode(entry) + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written != bytes.count {
            problem = "history will not be saved: cannot write \(path) (\(String(cString: strerror(errno))))"
        }
    }

    private func rewrite(_ entries: [String]) {
        let temporary = path + ".tmp"
        guard let file = fopen(temporary, "wb") else { return }
        for entry in entries { fputs(History.encode(entry) + "\n", file) }
        if fclose(file) == 0 { rename(temporary, path) } else { unlink(temporary) }
    }

    static func encode(_ entry: String) -> String {
        var out = ""
        for ch in entry {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.append(ch)
            }
        }
        return out
    }

    /// Nil for lines that are not valid UTF-8 text or that contain control
    /// bytes other than tab: those come from corruption, not from the REPL.
    static func decode(_ bytes: [UInt8]) -> String? {
        guard bytes.allSatisfy({ $0 >= 0x20 || $0 == 0x09 }) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard Array(text.utf8) == bytes else { return nil }
        var out = ""
        var escaped = false
        for ch in text {
            if escaped {
                switch ch {
                case "n": out.append("\n")
                case "r": out.append("\r")
                default: out.append(ch)
                }
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else {
                out.append(ch)
            }
        }
        return out
    }
}
