import ArgumentParser
import Foundation
import LuaKit
import NN
import Workbench

/// `opslab model verify|keygen`
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Check model checkpoints (safetensors) and make signing keys.",
        subcommands: [Verify.self, Keygen.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a checkpoint's SHA-256 digest and, with --key, its Ed25519 signature; exit 1 if either fails.")

        @Argument(help: "The .safetensors file.")
        var file: String

        @Option(help: ArgumentHelp("The signer's public key: 64 hex digits, or a file holding them.", valueName: "key"))
        var key: String?

        func run() throws {
            do {
                let publicKey = try key.map { try Checkpoint.publicKey(hex: Self.keyText($0)) }
                let result = try Checkpoint.verify(file, publicKey: publicKey)
                var lines = ["digest: " + (result.digestValid ? "ok" : "MISMATCH (the file changed after it was written)")]
                switch (result.signed, result.signatureValid) {
                case (false, _): lines.append("signature: none")
                case (true, nil): lines.append("signature: present (pass --key to check it)")
                case (true, true?): lines.append("signature: ok")
                case (true, false?): lines.append("signature: INVALID for this key")
                }
                print(lines.joined(separator: "\n"))
                let failed = !result.digestValid || result.signatureValid == false || (publicKey != nil && !result.signed)
                do {
                    try Session().workbench().recordAudit(action: "model.verify", subject: Workbench.auditedPath(file), detail: Workbench.auditDetail(result, ok: !failed))
                } catch let error as LuaRuntimeError {
                    writeStandardError("opslab model verify: \(error)\n")
                    throw ExitCode(1)
                }
                if publicKey != nil && !result.signed { writeStandardError("opslab model verify: \(file) is not signed\n") }
                if failed { throw ExitCode(1) }
            } catch let error as NNError {
                writeStandardError("opslab model verify: \(error)\n")
                throw ExitCode(1)
            } catch let error as SafeTensorsError {
                writeStandardError("opslab model verify: \(error)\n")
                throw ExitCode(1)
            }
        }

        /// The key itself, or the contents of the file it names.
        static func keyText(_ value: String) -> String {
            if FileManager.default.fileExists(atPath: value),
               let contents = try? String(contentsOfFile: value, encoding: .utf8) {
                return contents
            }
            return value
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new Ed25519 key pair (hex): keep the private key secret, share the public one.")

        func run() throws {
            let (privateKey, publicKey) = Checkpoint.generateKeyPair()
            print("private: \(privateKey)\npublic:  \(publicKey)")
        }
    }
}
