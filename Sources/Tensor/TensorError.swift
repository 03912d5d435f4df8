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
    /// What was wrong, without the operation name.
    public let message: String

    /// Creates an error for operation `op`.
    public init(_ kind: Kind, _ op: String, _ message: String) {
        self.kind = kind
        self.op = op
        self.message = message
    }

    /// `"op: message"`.
    public var description: String { "\(op): \(message)" }
}

/// Formats a shape the way errors and `description` show it: `[2, 3]`.
@inline(__always)
func fmt(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}

extension TensorError {
    static func shape(_ op: String, _ message: String) -> TensorError {
        TensorError(.shapeMismatch, op, message)
    }
    static func dim(_ op: String, _ message: String) -> TensorError {
        TensorError(.invalidDim, op, message)
    }
    static func index(_ op: String, _ message: String) -> TensorError {
        TensorError(.indexOutOfRange, op, message)
    }
    static func arg(_ op: String, _ message: String) -> TensorError {
        TensorError(.invalidArgument, op, message)
    }
    static func autograd(_ op: String, _ message: String) -> TensorError {
        TensorError(.autograd, op, message)
    }
}
