import LuaKit
import Telemetry

// Durations ("6h", "15s", "1h30m") given to the metrics functions, read one
// way whether they come as an argument or as an option, with the same
// message: `metrics.range: argument #2 expected a duration like "6h", got table`.

extension LuaCall {
    /// Argument `position` as a positive duration, in milliseconds.
    func duration(_ position: Int32) throws -> Int64 {
        guard let text = stack.string(at: position) else { throw typeError(position, expected: "a duration like \"6h\"") }
        guard let ms = positiveMilliseconds(text) else {
            throw argumentError(position, "expected a duration like \"6h\", got \"\(text)\"")
        }
        return ms
    }

    func optionalDuration(_ position: Int32) throws -> Int64? {
        isNone(position) ? nil : try duration(position)
    }
}

extension LuaOptions {
    /// Option `key` as a positive duration, in milliseconds.
    func optionalDuration(_ key: String) throws -> Int64? {
        guard let value = fields[key], !value.isNil else { return nil }
        guard let text = value.stringValue, let ms = positiveMilliseconds(text) else {
            throw error(key, "must be a duration like \"6h\", got \(value.luaText)")
        }
        return ms
    }
}

/// "6h" in milliseconds; nil for anything that is not a positive duration
/// (or is too long to count in milliseconds).
func positiveMilliseconds(_ text: String) -> Int64? {
    guard let ms = Duration.parse(text)?.totalMilliseconds, ms > 0 else { return nil }
    return ms
}
