// Reading /proc and /sys files, and the small parsers shared by collectors.
//
// Files under /proc report a size of 0 and are generated on read, so they
// are read with plain read(2) until end of file instead of APIs that trust
// stat's size. Parsing never traps: a field that is missing or not a number
// yields nil, and each collector decides whether that is an error or a gap.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

// `ProcFiles.read` shadows the C function inside the enum; this alias keeps
// the system call reachable by an unambiguous name.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

/// Errors raised while reading or parsing kernel files.
public enum ProcFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read (errno attached).
    case unreadable(path: String, errno: Int32)
    /// The file is larger than the reader accepts.
    case tooLarge(path: String)
    /// The file was read but did not have the expected shape.
    case malformed(path: String, detail: String)

    /// The error in words, with the path.
    public var description: String {
        switch self {
        case .unreadable(let p, let e): return "cannot read \(p): \(String(cString: strerror(e)))"
        case .tooLarge(let p): return "\(p) is larger than the reader accepts"
        case .malformed(let p, let d): return "\(p): \(d)"
        }
    }
}

/// Reads kernel pseudo-files.
public enum ProcFiles {
    /// Upper bound on a file's size: /proc/self/mounts on a container host or
    /// /proc/diskstats with thousands of devices stays far below it, and a
    /// runaway file cannot take the process's memory with it.
    public static let maxBytes = 16 << 20

    /// The whole file as text (invalid UTF-8 repaired, not rejected).
    public static func read(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ProcFileError.unreadable(path: path, errno: errno) }
        defer { close(fd) }
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ProcFileError.unreadable(path: path, errno: errno)
            }
            if n == 0 { break }
            data.append(contentsOf: chunk[0..<n])
            if data.count > maxBytes { throw ProcFileError.tooLarge(path: path) }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The file's text, or nil when it does not exist or cannot be read: for
    /// optional files such as /proc/pressure/* on kernels without PSI.
    public static func readIfPresent(_ path: String) -> String? {
        try? read(path)
    }

    /// The file's lines, without empty ones.
    public static func lines(_ path: String) throws -> [Substring] {
        try read(path).split(separator: "\n", omittingEmptySubsequences: true)
    }

    /// Names in a directory, or an empty list when it cannot be listed.
    public static func directoryEntries(_ path: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
    }
}

/// Splitting and number parsing for whitespace-separated kernel text.
public enum ProcParse {
    /// Fields of `line` separated by runs of whitespace (a trailing newline
    /// of a one-line file such as /proc/loadavg is a separator too).
    public static func fields(_ line: Substring) -> [Substring] {
        line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
    }

    /// Fields of `line` separated by runs of whitespace.
    public static func fields(_ line: String) -> [Substring] {
        fields(line[...])
    }

    /// The `name: fields...` lines of `text` (meminfo, net/dev), split at
    /// the first colon or at the last; lines without a colon or a name are
    /// skipped.
    public static func namedLines(_ text: String, splitAtLastColon: Bool = false) -> [(name: String, fields: [Substring])] {
        text.split(separator: "\n").compactMap { line in
            guard let colon = splitAtLastColon ? line.lastIndex(of: ":") : line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            return name.isEmpty ? nil : (name, fields(line[line.index(after: colon)...]))
        }
    }

    /// A decimal unsigned integer, or nil.
    public static func uint(_ text: Substring?) -> UInt64? {
        guard let text else { return nil }
        return UInt64(text)
    }

    /// A decimal number as Double, or nil (also nil for NaN and infinities,
    /// which no kernel counter legitimately holds).
    public static func double(_ text: Substring?) -> Double? {
        guard let text, let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// The value of field `index` as Double, or nil when absent or not a number.
    public static func double(_ fields: [Substring], _ index: Int) -> Double? {
        guard index >= 0, index < fields.count else { return nil }
        return double(fields[index])
    }

    /// Decodes the octal escapes (`\040` for space, `\011` tab, `\012`
    /// newline, `\134` backslash) that /proc/self/mounts uses in paths.
    public static func unescapeOctal(_ text: Substring) -> String {
        var out = [UInt8]()
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), let value = octalByte(bytes, i + 1) {
                out.append(value)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func octalByte(_ bytes: [UInt8], _ start: Int) -> UInt8? {
        guard start + 2 < bytes.count else { return nil }
        var value = 0
        for b in bytes[start...(start + 2)] {
            guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(b - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }
}

/// Kernel constants that scale raw counters into base units.
public enum KernelUnits {
    /// Clock ticks per second (USER_HZ) for /proc/stat and /proc/[pid]/stat;
    /// 100 on every mainstream Linux build, used when sysconf cannot say.
    public static let ticksPerSecond: Double = {
        let value = sysconf(Int32(_SC_CLK_TCK))
        return value > 0 ? Double(value) : 100
    }()

    /// Page size in bytes, for RSS counted in pages.
    public static let pageSize: Double = {
        let value = sysconf(Int32(_SC_PAGESIZE))
        return value > 0 ? Double(value) : 4096
    }()

    /// /proc/diskstats counts sectors of 512 bytes whatever the device's
    /// real sector size (a kernel ABI constant).
    public static let diskSectorBytes: Double = 512
}
