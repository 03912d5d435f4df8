/// A manifest field as the registry sees it, independent of the language the
/// plugin was written in.
public enum ManifestValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case boolean(Bool)
    case list([ManifestValue])
    /// A table with string keys, its values one level deep.
    case table([String: ManifestValue])
    case function
    case other(String)

    /// A short description for error messages ("a number", "a table", ...).
    public var summary: String {
        switch self {
        case .string(let s): return "string \"\(s.prefix(40))\""
        case .number(let n): return "number \(n)"
        case .boolean(let b): return "boolean \(b)"
        case .list: return "a list"
        case .table: return "a table"
        case .function: return "a function"
        case .other(let type): return "a \(type)"
        }
    }
}

/// Why a manifest was refused: the field at fault and what is wrong with it.
public struct ManifestProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { "field '\(field)': \(message)" }
}

extension PluginManifest {
    /// Why this program (at `host`) cannot load the plugin, if it cannot.
    public func requirementProblem(host: SemanticVersion) -> ManifestProblem? {
        guard let required = requiredHostVersion, !required.isSatisfied(by: host) else { return nil }
        return ManifestProblem(field: "requires", message: "the plugin needs opslab \(required), this is \(host)")
    }
}

/// The common, checked part of a plugin's manifest.
public struct PluginManifest: Sendable {
    public let kind: String
    public let name: String
    public let version: SemanticVersion
    public let description: String
    public let permissions: [Permission]
    /// Every field as declared, for kind-specific checks.
    public let fields: [String: ManifestValue]
    /// `requires = { opslab = ">=0.2" }`: the opslab versions the plugin works with.
    public let requiredHostVersion: VersionRequirement?
    /// `hosts = {"hooks.slack.com", "*.internal"}`: where a plugin with `net` may connect
    /// ("*" anywhere, "*.domain" its subdomains).
    public let hosts: [String]

    /// Checks the common fields, then the kind's own requirements.
    /// - Parameter kinds: the kinds the registry knows.
    public init(fields: [String: ManifestValue], kinds: [PluginKind]) throws(ManifestProblem) {
        func requiredString(_ field: String) throws(ManifestProblem) -> String {
            guard let value = fields[field] else {
                throw ManifestProblem(field: field, message: "is missing")
            }
            guard case .string(let text) = value else {
                throw ManifestProblem(field: field, message: "expected a string, got \(value.summary)")
            }
            guard !text.isEmpty else { throw ManifestProblem(field: field, message: "is empty") }
            return text
        }
        let kindName = try requiredString("kind")
        guard let kind = kinds.first(where: { $0.name == kindName }) else {
            let known = kinds.map(\.name).sorted().joined(separator: ", ")
            throw ManifestProblem(field: "kind", message: "unknown kind \"\(kindName)\" (known: \(known))")
        }
        let name = try requiredString("name")
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }),
              name.first?.isLetter == true, name.count <= 64 else {
            throw ManifestProblem(field: "name", message:
                "\"\(name.prefix(40))\" is not a valid name (a letter, then letters, digits, '_' or '-'; at most 64)")
        }
        let versionText = try requiredString("version")
        guard let version = SemanticVersion(versionText) else {
            throw ManifestProblem(field: "version", message: "\"\(versionText.prefix(40))\" is not a semantic version (e.g. 1.2.0)")
        }
        let description = try requiredString("description")

        var permissions: [Permission] = []
        switch fields["permissions"] {
        case nil: break
        case .list(let items)?:
            for item in items {
                guard case .string(let text) = item else {
                    throw ManifestProblem(field: "permissions", message: "expected strings, got \(item.summary)")
                }
                guard let permission = Permission(rawValue: text) else {
                    let known = Permission.allCases.map(\.rawValue).joined(separator: ", ")
                    throw ManifestProblem(field: "permissions", message: "unknown permission \"\(text)\" (known: \(known))")
                }
                if !permissions.contains(permission) { permissions.append(permission) }
            }
        case let other?:
            throw ManifestProblem(field: "permissions", message: "expected a list of strings, got \(other.summary)")
        }

        for field in kind.requiredFunctions {
            guard let value = fields[field] else {
                throw ManifestProblem(field: field, message: "is missing (a \(kind.name) must define \(field) as a function)")
            }
            guard value == .function else {
                throw ManifestProblem(field: field, message: "expected a function, got \(value.summary)")
            }
        }
        for field in kind.optionalFunctions {
            if let value = fields[field], value != .function {
                throw ManifestProblem(field: field, message: "expected a function, got \(value.summary)")
            }
        }
        switch fields["requires"] {
        case nil:
            requiredHostVersion = nil
        case .table(let requirements)?:
            if let unknown = requirements.keys.sorted().first(where: { $0 != "opslab" }) {
                throw ManifestProblem(field: "requires", message: "unknown requirement \"\(unknown)\" (known: opslab)")
            }
            guard case .string(let text)? = requirements["opslab"], let requirement = VersionRequirement(text) else {
                throw ManifestProblem(field: "requires", message: "opslab must be a version requirement such as \">=0.2\" or \">=0.2, <1\"")
            }
            requiredHostVersion = requirement
        case let other?:
            throw ManifestProblem(field: "requires", message: "expected a table such as { opslab = \">=0.2\" }, got \(other.summary)")
        }
        var hosts: [String] = []
        switch fields["hosts"] {
        case nil: break
        case .list(let items)?:
            for item in items {
                guard case .string(let host) = item, !host.isEmpty, host.count <= 253,
                      host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.*:[]".contains($0)) }) else {
                    throw ManifestProblem(field: "hosts", message: "expected host names such as \"hooks.slack.com\" or \"*.internal\", got \(item.summary)")
                }
                hosts.append(host.lowercased())
            }
        case let other?:
            throw ManifestProblem(field: "hosts", message: "expected a list of host names, got \(other.summary)")
        }
        if permissions.contains(.net) && hosts.isEmpty {
            throw ManifestProblem(field: "hosts", message: "is required with the net permission: list where the plugin may connect (\"*\" for anywhere)")
        }
        if !permissions.contains(.net) && !hosts.isEmpty {
            throw ManifestProblem(field: "hosts", message: "has no effect without the net permission")
        }
        self.hosts = hosts
        self.kind = kindName
        self.name = name
        self.version = version
        self.description = description
        self.permissions = permissions
        self.fields = fields
        if let problem = kind.validate(self) { throw problem }
    }
}
