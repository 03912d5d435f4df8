import Foundation
import NN
import Tensor
import Testing

@Suite("Signed checkpoints")
struct CheckpointTests {
    let path = NSTemporaryDirectory() + "opslab-ckpt-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).safetensors"

    func model() throws -> [(name: String, tensor: Tensor)] {
        [("w", try Tensor([[1, 2], [3, 4]])), ("b", try Tensor([0.5, 0.25]))]
    }

    /// Rewrites the file after changing its parsed content.
    func tamper(_ change: (inout SafeTensors) throws -> Void) throws {
        var file = try SafeTensors.read(from: path)
        try change(&file)
        try file.write(to: path)
    }

    @Test func signedFilesVerifyAndTamperingIsCaught() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (priv, pub) = Checkpoint.generateKeyPair()
        try Checkpoint.write(try model(), metadata: ["config": "{}"], to: path, signingKey: try Checkpoint.privateKey(hex: priv))
        let ok = try Checkpoint.verify(path, publicKey: try Checkpoint.publicKey(hex: pub))
        #expect(ok == .init(digestValid: true, signatureValid: true, signed: true))
        // Someone else's key does not verify it.
        let other = try Checkpoint.publicKey(hex: Checkpoint.generateKeyPair().publicKey)
        #expect(try Checkpoint.verify(path, publicKey: other).signatureValid == false)
        // One changed weight breaks the digest.
        try tamper { file in
            file.tensors[1].tensor = try Tensor([[1, 2], [3, 5]])
        }
        #expect(try Checkpoint.verify(path, publicKey: try Checkpoint.publicKey(hex: pub)).digestValid == false)
    }

    @Test func changedMetadataBreaksTheDigest() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint.write(try model(), metadata: ["config": "{\"layers\": 2}"], to: path)
        #expect(try Checkpoint.verify(path).digestValid)
        try tamper { $0.metadata["config"] = "{\"layers\": 3}" }
        #expect(try Checkpoint.verify(path) == .init(digestValid: false, signatureValid: nil, signed: false))
    }

    @Test func filesWithoutADigestAndBadKeys() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensors(tensors: try model()).write(to: path)
        #expect(throws: NNError.self) { try Checkpoint.verify(path) }
        #expect(throws: NNError.self) { try Checkpoint.publicKey(hex: "abc") }
        #expect(throws: NNError.self) { try Checkpoint.privateKey(hex: String(repeating: "zz", count: 32)) }
    }
}
