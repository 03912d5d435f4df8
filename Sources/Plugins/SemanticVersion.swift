import Foundation

/// A semantic version (semver.org 2.0.0): MAJOR.MINOR.PATCH with optional
/// pre-release and build parts.
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let major: Int
    public let minor: Int
    public let patch: Int
    public let prerelease: String
    public let build: String

    public init?(_ text: String) {
        var rest = Substring(text)
        var build = ""
        if let plus = rest.firstIndex(of: "+") {
            build = String(rest[rest.index(after: plus)...])
            rest = rest[..<plus]
            guard SemanticVersion.validIdentifiers(build) else { return nil }
        }
        var prerelease = ""
        if let dash = rest.firstIndex(of: "-") {
            prerelease = String(rest[rest.index(after: dash)...])
            rest = rest[..<dash]
            guard SemanticVersion.validIdentifiers(prerelease) else { return nil }
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var numbers: [Int] = []
        for part in parts {
            // No leading zeros, digits only, bounded.
            guard !part.isEmpty, part.count <= 9, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  part == "0" || part.first != "0", let n = Int(part) else { return nil }
            numbers.append(n)
        }
        major = numbers[0]
        minor = numbers[1]
        patch = numbers[2]
        self.prerelease = prerelease
        self.build = build
    }

    private static func validIdentifiers(_ text: String) -> Bool {
        let identifiers = text.split(separator: ".", omittingEmptySubsequences: false)
        return !identifiers.isEmpty && identifiers.allSatisfy { id in
            !id.isEmpty && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    public var description: String {
        var text = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { text += "-\(prerelease)" }
        if !build.isEmpty { text += "+\(build)" }
        return text
    }

    public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) {
            return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
        }
        // A pre-release sorts before its release.
        if a.prerelease.isEmpty != b.prerelease.isEmpty { return !a.prerelease.isEmpty }
        return a.prerelease < b.prerelease
    }
}

/// What a plugin asks of the program that loads it, e.g. `">=0.2"` or
/// `">=0.2, <1"`: comparisons (>=, >, <=, <, =) joined by commas, each
/// against a version whose missing minor and patch parts are 0.
public struct VersionRequirement: Sendable, CustomStringConvertible {
    private enum Comparison: String, CaseIterable { case atLeast = ">=", atMost = "<=", above = ">", below = "<", exactly = "=" }
    private let terms: [(Comparison, SemanticVersion)]
    public let description: String

    public init?(_ text: String) {
        var terms: [(Comparison, SemanticVersion)] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            var term = part.trimmingCharacters(in: .whitespaces)
            guard let comparison = Comparison.allCases.first(where: { term.hasPrefix($0.rawValue) }) else { return nil }
            term = String(term.dropFirst(comparison.rawValue.count)).trimmingCharacters(in: .whitespaces)
            if term.hasPrefix("=") { term.removeFirst() }  // "==" reads as "="
            // 0.2 means 0.2.0; the missing parts go before any pre-release or build suffix.
            let coreEnd = term.firstIndex { $0 == "-" || $0 == "+" } ?? term.endIndex
            let dots = term[..<coreEnd].filter { $0 == "." }.count
            guard dots <= 2 else { return nil }
            term.insert(contentsOf: String(repeating: ".0", count: 2 - dots), at: coreEnd)
            guard let version = SemanticVersion(term) else { return nil }
            terms.append((comparison, version))
        }
        guard !terms.isEmpty else { return nil }
        self.terms = terms
        description = text
    }

    /// Whether `version` meets every comparison.
    public func isSatisfied(by version: SemanticVersion) -> Bool {
        terms.allSatisfy { comparison, bound in
            switch comparison {
            case .atLeast: return version >= bound
            case .atMost: return version <= bound
            case .above: return version > bound
            case .below: return version < bound
            case .exactly: return version == bound
            }
        }
    }
}
