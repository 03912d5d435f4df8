// Running a step's commands on another host over OpenSSH, as Ansible does:
// opslab runs no agent of its own. Each command becomes one
// `ssh -T -o BatchMode=yes DEST -- 'remote command'`, so a host that would
// ask for a password or a host-key confirmation fails at once instead of
// hanging a 3 a.m. run. ssh joins its arguments into one line for the
// remote shell, so the command is quoted here, argument by argument; the
// working directory and environment become `cd DIR &&` and `env K=V`.
// Input is piped through ssh. A timeout stops the local ssh (its process
// group), which closes the session; a remote command that ignores the
// closed connection may outlive it, as with plain ssh.

import Foundation

/// A host that a run's commands go to.
public struct SSHTarget: Sendable, Equatable {
    /// What ssh takes: a host, `user@host`, `ssh://user@host:port`, or an alias from ssh_config.
    public let destination: String
    /// An ssh_config file given to ssh as -F; the user's own when nil.
    public let configFile: String?

    /// ssh's exit status for its own errors (connection refused, authentication).
    public static let connectionFailure: Int32 = 255

    /// A target, refusing destinations that ssh would read as options or
    /// that cannot be one host name.
    public init(destination: String, configFile: String? = nil) throws(StepFailure) {
        guard !destination.isEmpty, destination.utf8.count <= 255 else {
            throw StepFailure("host \"\(destination.prefix(40))\": a host name is 1 to 255 characters")
        }
        guard !destination.hasPrefix("-") else {
            throw StepFailure("host \"\(destination)\" starts with '-', which ssh would read as an option")
        }
        guard destination.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "'" && $0 != "\"" }) else {
            throw StepFailure("host \"\(destination)\" holds spaces, quotes or control characters")
        }
        self.destination = destination
        self.configFile = configFile
    }

    /// The local ssh command that runs `request` on this host.
    public func wrap(_ request: ProcessRequest) -> ProcessRequest {
        var remote = request.shell ? "sh -c " + shellQuoted(request.argv.joined(separator: " "))
                                   : request.argv.map(shellQuoted).joined(separator: " ")
        if !request.environment.isEmpty {
            remote = "env " + request.environment.sorted { $0.key < $1.key }.map { shellQuoted("\($0.key)=\($0.value)") }
                .joined(separator: " ") + " " + remote
        }
        if let directory = request.directory { remote = "cd " + shellQuoted(directory) + " && " + remote }
        var argv = ["ssh", "-T", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"]
        if let configFile { argv += ["-F", configFile] }
        argv += [destination, "--", remote]
        var wrapped = request
        wrapped.argv = argv
        wrapped.shell = false
        wrapped.environment = [:]
        wrapped.directory = nil
        return wrapped
    }

    /// Hosts from `--hosts`: a comma-separated list, or `@FILE` with one
    /// host per line (blank lines and # comments skipped). Duplicates are refused.
    public static func hosts(_ spec: String, configFile: String?, readFile: (String) throws -> String) throws -> [SSHTarget] {
        let names: [String]
        if spec.hasPrefix("@") {
            let text: String
            do { text = try readFile(String(spec.dropFirst())) } catch {
                throw StepFailure("--hosts \(spec): \(error)")
            }
            names = text.split(separator: "\n").map { line in
                String(line.prefix { $0 != "#" }).trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
        } else {
            names = spec.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        guard !names.isEmpty else { throw StepFailure("--hosts \(spec): no hosts") }
        guard names.count <= 10_000 else { throw StepFailure("--hosts \(spec): \(names.count) hosts; at most 10000 in one run") }
        var seen = Set<String>()
        return try names.map { name throws(StepFailure) in
            guard seen.insert(name).inserted else { throw StepFailure("--hosts: \(name) is listed twice") }
            return try SSHTarget(destination: name, configFile: configFile)
        }
    }
}
