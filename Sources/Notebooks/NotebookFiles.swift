// Reading and writing notebook files. Writes are atomic (a temporary file
// in the same folder, then rename), so a viewer, an editor or a crash
// never sees half a notebook; and a notebook changed on disk while it ran
// is not overwritten, since that would silently drop the edit.

#if canImport(Glibc)
import Glibc
#endif

/// File access for notebooks.
public enum NotebookFiles {
    /// The bytes of a file.
    public static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NotebookError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw NotebookError("cannot read \(path): \(String(cString: strerror(errno)))") }
            if n == 0 { return bytes }
            bytes += buffer[0..<n]
        }
    }

    /// Reads and parses a notebook.
    public static func load(_ path: String) throws -> (notebook: Notebook, bytes: [UInt8]) {
        let bytes = try read(path)
        return (try Notebook(bytes: bytes, name: path), bytes)
    }

    /// Replaces `path` with `contents` atomically.
    public static func writeAtomically(_ contents: String, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw NotebookError("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var ok = true
        var bytes = Array(contents.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { ok = false; break }
            bytes = bytes.dropFirst(n)
        }
        let problem = String(cString: strerror(errno))
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw NotebookError("cannot write \(path): \(problem)")
        }
    }

    /// Writes a run's outputs: the plots, then the notebook, unless the
    /// file no longer holds `original` (it was edited during the run).
    public static func save(_ result: RunResult, path: String, original: [UInt8]) throws {
        guard (try? read(path)) == original else {
            throw NotebookError("\(path) changed while it ran; not overwritten (run it again)")
        }
        let paths = NotebookPaths(notebook: path)
        if !result.plots.isEmpty {
            let folder = paths.resolve(paths.plotFolderName)
            guard mkdir(folder, 0o755) == 0 || errno == EEXIST else {
                throw NotebookError("cannot create \(folder): \(String(cString: strerror(errno)))")
            }
        }
        for plot in result.plots { try writeAtomically(plot.svg, to: paths.resolve(plot.path)) }
        try writeAtomically(result.notebook.markdown(), to: path)
    }
}
