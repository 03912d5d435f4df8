// Bit-granular writing and reading for the Gorilla chunk encoding.
//
// The encoder emits fields of 1 to 64 bits (control bits, bucketed
// delta-of-deltas, XOR'd mantissa bits) with no byte alignment, so it needs a
// writer that packs bits most-significant first into bytes, and a reader that
// takes them back out in the same order. The reader never traps: reading past
// the end of the buffer throws, because chunks come from disk and a truncated
// or corrupt blob must surface as an error, not a crash.

/// Packs bits, most significant first, into a growing byte buffer.
///
/// Bits are appended to the last byte until it is full; `bytes` always holds
/// every bit written so far, with the unused low bits of the last byte zero.
public struct BitWriter: Sendable {
    /// The bytes written so far; the last one may be partly filled.
    public private(set) var bytes: [UInt8] = []
    /// How many bits of the last byte are still free (0 when it is full or
    /// there is no byte yet).
    private var freeBits: Int = 0

    /// Creates an empty writer, reserving room for `capacity` bytes.
    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Total number of bits written.
    public var bitCount: Int { bytes.count * 8 - freeBits }

    /// Appends one bit.
    public mutating func writeBit(_ bit: Bool) {
        if freeBits == 0 {
            bytes.append(0)
            freeBits = 8
        }
        freeBits -= 1
        if bit { bytes[bytes.count - 1] |= UInt8(1) << UInt8(freeBits) }
    }

    /// Appends the low `count` bits of `value` (0...64), most significant first.
    public mutating func writeBits(_ value: UInt64, count: Int) {
        var remaining = count
        while remaining > 0 {
            if freeBits == 0 {
                bytes.append(0)
                freeBits = 8
            }
            // Copy as many bits as fit into the current byte in one step:
            // bit-at-a-time writing is what makes naive encoders slow.
            let take = min(freeBits, remaining)
            let shift = remaining - take
            let chunk = (value >> UInt64(shift)) & ((UInt64(1) << UInt64(take)) - 1)
            freeBits -= take
            bytes[bytes.count - 1] |= UInt8(truncatingIfNeeded: chunk << UInt64(freeBits))
            remaining -= take
        }
    }

    /// Appends `value` as an unsigned LEB128 varint, byte-aligned or not; used
    /// for the header fields whose size varies widely (sample counts).
    public mutating func writeUVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            writeBits((v & 0x7f) | 0x80, count: 8)
            v >>= 7
        }
        writeBits(v, count: 8)
    }
}

/// The error thrown when a bit stream ends before a field is complete or a
/// field holds a value the format does not allow.
public struct BitStreamError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in words.
    public let message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// Reads bits back, most significant first, from a byte buffer.
public struct BitReader: Sendable {
    private let bytes: [UInt8]
    /// Index of the next bit to read, counted from the start of the buffer.
    public private(set) var position: Int = 0

    /// Creates a reader over `bytes`, starting at byte `offset` (0 by default).
    public init(_ bytes: [UInt8], startingAtByte offset: Int = 0) {
        self.bytes = bytes
        position = min(max(offset, 0), bytes.count) * 8
    }

    /// Bits left to read.
    public var remainingBits: Int { bytes.count * 8 - position }

    /// Reads one bit; throws at the end of the buffer.
    public mutating func readBit() throws(BitStreamError) -> Bool {
        guard position < bytes.count * 8 else { throw BitStreamError("chunk data ends early") }
        let byte = bytes[position >> 3]
        let bit = (byte >> UInt8(7 - (position & 7))) & 1
        position += 1
        return bit == 1
    }

    /// Reads `count` bits (0...64) as the low bits of an integer; throws when
    /// fewer than `count` bits remain.
    public mutating func readBits(_ count: Int) throws(BitStreamError) -> UInt64 {
        guard count >= 0, count <= 64 else { throw BitStreamError("bad bit field width \(count)") }
        guard count <= remainingBits else { throw BitStreamError("chunk data ends early") }
        var result: UInt64 = 0
        var remaining = count
        while remaining > 0 {
            let offset = position & 7
            let available = 8 - offset
            let take = min(available, remaining)
            let byte = UInt64(bytes[position >> 3])
            let chunk = (byte >> UInt64(available - take)) & ((UInt64(1) << UInt64(take)) - 1)
            result = (result << UInt64(take)) | chunk
            position += take
            remaining -= take
        }
        return result
    }

    /// Reads a chunk's sample count (a varint). Every sample after the
    /// first takes at least two bits, so a count the data cannot hold is
    /// corruption; checking it here bounds what decoding allocates.
    public mutating func readSampleCount() throws(BitStreamError) -> Int {
        let count = try readUVarint()
        guard count <= UInt64(1 + remainingBits / 2) else {
            throw BitStreamError("chunk claims \(count) samples in \(remainingBits / 8) bytes")
        }
        return Int(count)
    }

    /// Reads an unsigned LEB128 varint written by `BitWriter.writeUVarint`.
    public mutating func readUVarint() throws(BitStreamError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readBits(8)
            guard shift < 64 else { throw BitStreamError("varint is longer than 64 bits") }
            result |= (byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }
}
