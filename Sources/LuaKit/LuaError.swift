/// An error raised by Lua code or by the bridge, carried into Swift.
public struct LuaError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, as Lua's error value printed (e.g. `input:1: boom`).
    public let message: String
    /// Lua's stack traceback at the point of the error, when there is one.
    public let traceback: String
    /// Why the code stopped, when it was stopped from outside.
    public let stopReason: StopReason?

    /// How running code can be stopped from outside.
    public enum StopReason: Sendable { case interrupted, timeout }

    public init(message: String, traceback: String = "", stopReason: StopReason? = nil) {
        self.message = message
        self.traceback = traceback
        self.stopReason = stopReason
    }

    /// Splits the text produced by the traceback handler into message and traceback.
    init(handlerOutput text: String, stopReason: StopReason?) {
        if let range = text.firstRange(of: "\nstack traceback:") {
            message = String(text[..<range.lowerBound])
            traceback = String(text[range.lowerBound...].dropFirst())
        } else {
            message = text
            traceback = ""
        }
        self.stopReason = stopReason
    }

    public var description: String { message }
}

/// A bad argument to a Swift function called from Lua. Its text follows one
/// form everywhere: `plugins.info: argument #1 expected string, got number`.
public struct LuaArgumentError: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let position: Int
    public let problem: String

    public init(function: String, position: Int, problem: String) {
        self.function = function
        self.position = position
        self.problem = problem
    }

    public var description: String { "\(function): argument #\(position) \(problem)" }
}

/// A failure inside a Swift function. It reaches Lua as its message
/// prefixed by the name of the Swift function that was called.
public struct LuaRuntimeError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// Whether the function's name is put before the message. Off for
    /// messages that already name what failed better than the function
    /// does (`Linear: expected ...` raised through `model(x)`).
    public var named = true
    public init(_ message: String, named: Bool = true) {
        self.message = message
        self.named = named
    }
    public var description: String { message }
}
