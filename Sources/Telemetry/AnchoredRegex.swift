// Regular expressions with Prometheus's (Go RE2) semantics on top of ICU.
//
// Prometheus anchors every regex (`^(?:re)$`) and compiles it with RE2:
// `.` stops at newlines unless `(?s)` is given, named groups are written
// `(?P<name>...)`, and lookaround, backreferences, atomic groups and
// possessive quantifiers do not exist. NSRegularExpression (ICU) accepts all
// of those, so patterns are screened first and named groups translated; the
// group table is computed here because ICU's named-group lookup is not
// available on every platform.
//
// It lives in Telemetry, the lowest module that matches labels, so that
// label matchers (LabelMatcher) and PromQL's label_replace share one
// regex dialect.

import Foundation

/// A fully anchored regular expression compiled once and safe to share.
public final class AnchoredRegex: @unchecked Sendable {
    // NSRegularExpression is immutable and thread-safe for matching, but not
    // marked Sendable on every platform.
    private let regex: NSRegularExpression
    /// Capturing-group number of each named group.
    public let groupNumbers: [String: Int]

    /// Compiles `pattern`; nil when it is invalid or uses syntax RE2 lacks.
    public init?(_ pattern: String) {
        guard !usesNonRE2Syntax(pattern) else { return nil }
        let (translated, names) = translateNamedGroups(pattern)
        guard let compiled = try? NSRegularExpression(pattern: "^(?:" + translated + ")$") else { return nil }
        regex = compiled
        groupNumbers = names
    }

    /// True when the whole of `text` matches.
    public func fullMatch(_ text: String) -> Bool {
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        return regex.firstMatch(in: text, options: [.anchored], range: range) != nil
    }

    /// The capture groups of a whole-text match (index 0 the whole text;
    /// nil entries for groups that did not take part), or nil without a match.
    public func groups(_ text: String) -> [String?]? {
        let range = NSRange(text.startIndex..<text.endIndex, in: text)
        guard let m = regex.firstMatch(in: text, options: [.anchored], range: range) else { return nil }
        return (0..<m.numberOfRanges).map { i in
            let r = m.range(at: i)
            guard r.location != NSNotFound, let sr = Range(r, in: text) else { return nil }
            return String(text[sr])
        }
    }

    /// Go's Regexp.ExpandString: `$1`, `${1}`, `$name`, `${name}` and `$$`;
    /// a name is the longest run of letters, digits and underscores, unknown
    /// groups expand to nothing, and a malformed `$` is kept literally.
    public func expand(_ template: String, groups: [String?]) -> String {
        let chars = Array(template.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        func isDigit(_ c: Unicode.Scalar) -> Bool { c >= "0" && c <= "9" }
        func isNameChar(_ c: Unicode.Scalar) -> Bool {
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || isDigit(c) || c == "_"
        }
        while i < chars.count {
            let c = chars[i]
            guard c == "$", i + 1 < chars.count else { out.append(c); i += 1; continue }
            var j = i + 1
            var name = ""
            if chars[j] == "$" { out.append("$"); i += 2; continue }
            if chars[j] == "{" {
                j += 1
                while j < chars.count, isNameChar(chars[j]) { name.unicodeScalars.append(chars[j]); j += 1 }
                guard j < chars.count, chars[j] == "}", !name.isEmpty else { out.append("$"); i += 1; continue }
                j += 1
            } else {
                while j < chars.count, isNameChar(chars[j]) { name.unicodeScalars.append(chars[j]); j += 1 }
                guard !name.isEmpty else { out.append("$"); i += 1; continue }
            }
            let number = name.unicodeScalars.allSatisfy(isDigit) ? Int(name) : groupNumbers[name]
            if let number, number < groups.count, let value = groups[number] {
                out.append(contentsOf: value.unicodeScalars)
            }
            i = j
        }
        return String(out)
    }
}

/// What a scalar of a pattern is, as RE2 reads it.
enum PatternScalar {
    /// A backslash; the scalar after it (if any) is its operand.
    case escape(inClass: Bool)
    /// Part of a bracketed class, the brackets included.
    case classMember
    /// Anything else: syntax or a literal outside classes.
    case plain
}

/// Walks a pattern scalar by scalar, telling escapes, bracketed classes and
/// the rest apart; an escape's operand is skipped. In a class, `]` right
/// after `[` or `[^` is a literal, as in RE2 (`[]a]`, `[^]a]`).
/// The one scanner behind both passes below, so they cannot disagree on
/// where a class ends.
func scanPattern(_ chars: [Unicode.Scalar], _ visit: (Int, PatternScalar) -> Void) {
    var i = 0
    var classStart: Int?    // index of the class's first member, when inside one
    while i < chars.count {
        let c = chars[i]
        if c == "\\" {
            visit(i, .escape(inClass: classStart != nil))
            i += 2
            continue
        }
        if let first = classStart {
            visit(i, .classMember)
            if c == "^" && i == first { classStart = i + 1 }
            else if c == "]" && i != first { classStart = nil }
        } else if c == "[" {
            visit(i, .classMember)
            classStart = i + 1
        } else {
            visit(i, .plain)
        }
        i += 1
    }
}

/// True when `pattern` uses ICU syntax that RE2 (and so Prometheus) rejects:
/// lookaround, atomic groups, backreferences, possessive quantifiers.
func usesNonRE2Syntax(_ pattern: String) -> Bool {
    let chars = Array(pattern.unicodeScalars)
    var rejected = false
    scanPattern(chars) { i, kind in
        let next = i + 1 < chars.count ? chars[i + 1] : nil
        switch kind {
        case .escape(let inClass):
            if !inClass, let next, ("1"..."9").contains(next) { rejected = true }
        case .classMember:
            break
        case .plain:
            let c = chars[i]
            if c == "(", next == "?", i + 2 < chars.count {
                let k = chars[i + 2]
                if k == "=" || k == "!" || k == ">" { rejected = true }
                if k == "<", i + 3 < chars.count, chars[i + 3] == "=" || chars[i + 3] == "!" { rejected = true }
            } else if c == "*" || c == "+" || c == "?" || c == "}" {
                if next == "+" { rejected = true }
            }
        }
    }
    return rejected
}

/// Rewrites RE2's `(?P<name>` as ICU's `(?<name>` and numbers the capturing
/// groups, returning the group number of each name.
func translateNamedGroups(_ pattern: String) -> (String, [String: Int]) {
    let chars = Array(pattern.unicodeScalars)
    var out = String.UnicodeScalarView()
    var names: [String: Int] = [:]
    var group = 0
    var skipUntil = 0       // the P of `(?P<` is dropped
    scanPattern(chars) { i, kind in
        switch kind {
        case .escape:
            out.append(chars[i])
            if i + 1 < chars.count { out.append(chars[i + 1]) }
        case .classMember:
            out.append(chars[i])
        case .plain:
            guard i >= skipUntil else { return }
            let c = chars[i]
            out.append(c)
            guard c == "(" else { return }
            let isNamedP = i + 2 < chars.count && chars[i + 1] == "?" && chars[i + 2] == "P"
            let isNamed = i + 2 < chars.count && chars[i + 1] == "?" && chars[i + 2] == "<"
            guard i + 1 >= chars.count || chars[i + 1] != "?" || isNamedP || isNamed else { return }
            group += 1
            if isNamedP || isNamed {
                var j = i + (isNamedP ? 4 : 3)
                var name = ""
                while j < chars.count, chars[j] != ">" { name.unicodeScalars.append(chars[j]); j += 1 }
                if names[name] == nil { names[name] = group }
            }
            if isNamedP {
                out.append("?")
                skipUntil = i + 3
            }
        }
    }
    return (String(out), names)
}
