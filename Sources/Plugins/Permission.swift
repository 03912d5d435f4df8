/// What a plugin may do beyond pure computation. Everything not granted is
/// absent from the plugin's environment.
public enum Permission: String, CaseIterable, Sendable {
    /// `io.open` for reading, `io.lines`.
    case fsRead = "fs.read"
    /// `io.open` in any mode, `os.remove`, `os.rename`.
    case fsWrite = "fs.write"
    /// `os.execute` and `io.popen`.
    case exec = "exec"
    /// `os.getenv`.
    case env = "env"
    /// `http`, to the hosts the manifest's `hosts` lists.
    case net = "net"

    /// One line for `plugins.info` and `:plugins`.
    public var summary: String {
        switch self {
        case .fsRead: return "read files"
        case .fsWrite: return "write, rename and remove files"
        case .exec: return "run shell commands"
        case .env: return "read environment variables"
        case .net: return "make HTTP requests to the hosts it lists"
        }
    }
}
