import Crypto
import Foundation
import Tensor

/// Checkpoints: safetensors files whose metadata also carries a SHA-256
/// digest of the file's content and, optionally, an Ed25519 signature of
/// that digest, so a model can be checked before it drives anything.
///
/// The digest covers the whole file as written without the two integrity
/// fields (header and data), re-encoded deterministically on verification:
/// changing a shape, a name, the metadata or one byte of data breaks it.
public enum Checkpoint {
    public static let digestKey = "opslab.sha256"
    public static let signatureKey = "opslab.ed25519"

    /// Writes `tensors` with `metadata`, the digest and, given a key, the signature.
    public static func write(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String] = [:],
                             to path: String, signingKey: Curve25519.Signing.PrivateKey? = nil) throws {
        var clean = metadata
        clean[digestKey] = nil
        clean[signatureKey] = nil
        let digest = SHA256.hash(data: try SafeTensors(tensors: tensors, metadata: clean).encode())
        var full = clean
        full[digestKey] = hex(Data(digest))
        if let signingKey {
            full[signatureKey] = try signingKey.signature(for: Data(digest)).base64EncodedString()
        }
        try SafeTensors(tensors: tensors, metadata: full).write(to: path)
    }

    /// What verification found.
    public struct Verification: Equatable {
        /// The digest matches the content.
        public var digestValid: Bool
        /// nil when no key was given or the file is unsigned.
        public var signatureValid: Bool?
        public var signed: Bool

        public init(digestValid: Bool, signatureValid: Bool?, signed: Bool) {
            self.digestValid = digestValid
            self.signatureValid = signatureValid
            self.signed = signed
        }
    }

    /// Reads `path`, recomputes the digest and checks the signature against
    /// `publicKey` when given. Throws for unreadable files and files without
    /// a digest; a mismatch is reported in the result.
    public static func verify(_ path: String, publicKey: Curve25519.Signing.PublicKey? = nil) throws -> Verification {
        let file = try SafeTensors.read(from: path)
        guard let stored = file.metadata[digestKey] else {
            throw NNError.invalidArgument("\(path) has no \(digestKey) digest (not written by opslab's nn.save)")
        }
        var clean = file.metadata
        clean[digestKey] = nil
        let signature = clean.removeValue(forKey: signatureKey)
        let digest = Data(SHA256.hash(data: try SafeTensors(tensors: file.tensors, metadata: clean).encode()))
        var result = Verification(digestValid: hex(digest) == stored, signatureValid: nil, signed: signature != nil)
        if let publicKey, let signature {
            result.signatureValid = Data(base64Encoded: signature).map { publicKey.isValidSignature($0, for: digest) } ?? false
        }
        return result
    }

    /// A fresh key pair as hex strings (private, public).
    public static func generateKeyPair() -> (privateKey: String, publicKey: String) {
        let key = Curve25519.Signing.PrivateKey()
        return (hex(key.rawRepresentation), hex(key.publicKey.rawRepresentation))
    }

    public static func privateKey(hex text: String) throws -> Curve25519.Signing.PrivateKey {
        guard let bytes = bytes(hex: text), bytes.count == 32,
              let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: bytes) else {
            throw NNError.invalidArgument("a signing key is 64 hex digits (32 bytes)")
        }
        return key
    }

    public static func publicKey(hex text: String) throws -> Curve25519.Signing.PublicKey {
        guard let bytes = bytes(hex: text), bytes.count == 32,
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else {
            throw NNError.invalidArgument("a public key is 64 hex digits (32 bytes)")
        }
        return key
    }

    static func hex(_ data: some Sequence<UInt8>) -> String {
        data.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func bytes(hex text: String) -> Data? {
        let chars = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = Data()
        var i = 0
        while i < chars.count {
            guard let byte = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
            i += 2
        }
        return out
    }
}
