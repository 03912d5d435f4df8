// The one error type of the Tensor module.
//
// Nothing in this module traps on bad input: every shape, dim, index or size
// problem becomes a TensorError whose text names the operation and the shapes
// involved, so that a user at the REPL sees e.g.
//   matmul: shapes [64, 784] and [128, 10] cannot be multiplied (784 != 128)
// and can fix the call without reading Swift.

/// An error thrown by a tensor operation.
///
/// `description` is the message meant for users: it starts with the name of
/// the operation and names the shapes, dims or indices that were wrong.
public struct TensorError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Broad classes of failure, for callers that want to branch on them.
    public enum Kind: String, Sendable {
        /// Shapes that do not fit together (broadcasting, matmul, cat, ...).
        case shapeMismatch
        /// A dim outside `-ndim ..< ndim` or repeated where it must be unique.
        case invalidDim
        /// An index outside the valid range of a dim.
        case indexOutOfRange
        /// Any other bad argument: negative sizes, a zero step, a non-integer index.
        case invalidArgument
        /// A size too large to allocate, or an allocation that failed.
        case allocation
        /// Misuse of autograd: backward twice, in-place on a needed tensor, ...
        case autograd
    }

    /// What kind of failure this is.
    public let kind: Kind
    /// The operation that failed, e.g. `"matmul"`.
    public let op: String
    /// What was wrong, without the operation name, with its dims, indices
    /// and advice kept as values.
    public let text: ErrorText

    /// Creates an error for operation `op`.
    public init(_ kind: Kind, _ op: String, _ text: ErrorText) {
        self.kind = kind
        self.op = op
        self.text = text
    }

    /// What was wrong, as the engine counts (dims from 0).
    public var message: String { text.rendered(.swift) }

    /// `"op: message"`.
    public var description: String { "\(op): \(message)" }
}

/// An error message whose dims, positions, indices and advice are values,
/// so that a binding shows them in its own language's conventions (Lua
/// counts dims from 1 and spells no-grad `tensor.no_grad(fn)`) without
/// editing text. Written as a string literal with labelled interpolations:
/// `"tensor \(position: i) does not match outside dim \(dim: d)"`.
public struct ErrorText: Equatable, Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public enum Piece: Equatable, Sendable {
        case text(String)
        /// A dim as the engine counts it: from 0, negative from the end.
        case dim(Int)
        /// The dims a tensor of this many dims accepts.
        case validDims(Int)
        /// A place in a list of tensors, from 0.
        case position(Int)
        /// An index along a dim: from 0, negative from the end.
        case index(Int)
        /// Advice that names an engine API.
        case advice(Advice)
    }

    public enum Advice: Equatable, Sendable {
        /// Turning gradient recording off around a block.
        case noGrad
        /// Taking a tensor out of the graph.
        case detach
    }

    public private(set) var pieces: [Piece]

    public init(stringLiteral value: String) { pieces = [.text(value)] }
    public init(stringInterpolation: StringInterpolation) { pieces = stringInterpolation.pieces }

    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []
        public init(literalCapacity: Int, interpolationCount: Int) {}
        public mutating func appendLiteral(_ literal: String) { pieces.append(.text(literal)) }
        public mutating func appendInterpolation<T>(_ value: T) { pieces.append(.text("\(value)")) }
        public mutating func appendInterpolation(dim: Int) { pieces.append(.dim(dim)) }
        public mutating func appendInterpolation(validDimsOf ndim: Int) { pieces.append(.validDims(ndim)) }
        public mutating func appendInterpolation(position: Int) { pieces.append(.position(position)) }
        public mutating func appendInterpolation(index: Int) { pieces.append(.index(index)) }
        public mutating func appendInterpolation(_ advice: Advice) { pieces.append(.advice(advice)) }
        public mutating func appendInterpolation(_ text: ErrorText) { pieces += text.pieces }
    }

    /// How a language shows the pieces.
    public struct Conventions: Sendable {
        /// Added to dims, positions and indices that are not negative.
        public var base: Int
        public var validDims: @Sendable (Int) -> String
        public var advice: @Sendable (Advice) -> String

        public init(base: Int, validDims: @escaping @Sendable (Int) -> String, advice: @escaping @Sendable (Advice) -> String) {
            self.base = base
            self.validDims = validDims
            self.advice = advice
        }

        /// The engine's own: from 0, Swift's API names.
        public static let swift = Conventions(base: 0, validDims: { n in n == 0 ? "none" : "\(-n)...\(n - 1)" }) {
            switch $0 {
            case .noGrad: return "Tensor.noGrad { }"
            case .detach: return "detach()"
            }
        }
    }

    public func rendered(_ conventions: Conventions) -> String {
        var out = ""
        for piece in pieces {
            switch piece {
            case .text(let text): out += text
            case .dim(let n), .position(let n), .index(let n):
                // Saturating: an index can be any Int a caller passed.
                let (shifted, overflow) = n.addingReportingOverflow(conventions.base)
                out += String(n < 0 || overflow ? n : shifted)
            case .validDims(let n): out += conventions.validDims(n)
            case .advice(let advice): out += conventions.advice(advice)
            }
        }
        return out
    }

    public var description: String { rendered(.swift) }
}

/// Formats a shape the way errors and `description` show it: `[2, 3]`.
@inline(__always)
func fmt(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

extension TensorError {
    static func shape(_ op: String, _ message: ErrorText) -> TensorError {
        TensorError(.shapeMismatch, op, message)
    }
    static func dim(_ op: String, _ message: ErrorText) -> TensorError {
        TensorError(.invalidDim, op, message)
    }
    static func index(_ op: String, _ message: ErrorText) -> TensorError {
        TensorError(.indexOutOfRange, op, message)
    }
    static func arg(_ op: String, _ message: ErrorText) -> TensorError {
        TensorError(.invalidArgument, op, message)
    }
    static func autograd(_ op: String, _ message: ErrorText) -> TensorError {
        TensorError(.autograd, op, message)
    }
}
