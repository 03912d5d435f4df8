import Foundation
import LuaKit
import NN
import Tensor

/// nn.save / nn.load / nn.load_tensors / nn.verify / nn.keygen: models in
/// safetensors files with their spec, a digest and an optional signature.
extension NNBinding {
    /// Metadata key of the layer spec that `nn.load` rebuilds the model from.
    static let configKey = "opslab.config"

    func checkpointFunctions() -> [LuaFunction] {
        [
            LuaFunction("nn.save", doc: """
                nn.save(model: Module, path: string [, {sign_key = hex, metadata = {key = "value"}}]) -> sha256
                Writes the parameters as safetensors (readable by safetensors.torch.load_file), with the
                model's config (so nn.load can rebuild it), a SHA-256 digest and, given an Ed25519 private
                key (64 hex digits, from nn.keygen()), a signature. Returns the digest as hex.
                """) { [unowned self] call in
                let layer = try layer(call, 1)
                let path = try call.string(2)
                let options = try call.options(3)
                var metadata: [String: String] = [:]
                if let extraValue = options.fields["metadata"], !extraValue.isNil {
                    guard case .table(let extra) = extraValue else {
                        throw options.error("metadata", "must be a table of strings, got \(extraValue.luaText)")
                    }
                    for (key, value) in extra.fields {
                        guard case .string(let text) = value else {
                            throw call.argumentError(3, "metadata values must be strings, '\(key)' is \(value.typeName)")
                        }
                        guard !key.hasPrefix("opslab.") else { throw call.argumentError(3, "metadata key '\(key)' is reserved") }
                        metadata[key] = text
                    }
                }
                if let spec = layer.spec { metadata[Self.configKey] = spec.json }
                let key = try options.optionalString("sign_key").map { try Checkpoint.privateKey(hex: $0) }
                let named = layer.namedParameters()
                guard !named.isEmpty else { throw call.argumentError(1, "the model has no parameters to save") }
                return try bound(call) {
                    do {
                        try Checkpoint.write(named, metadata: metadata, to: path, signingKey: key)
                    } catch let error as SafeTensorsError {
                        throw LuaRuntimeError("\(path): \(error)")
                    }
                    let verification = try SafeTensors.read(from: path).metadata[Checkpoint.digestKey] ?? ""
                    if key != nil {
                        try workbench.recordAudit(action: "model.sign", subject: Workbench.auditedPath(path), detail: ["sha256": verification])
                    }
                    return call.returns(.string(verification))
                }
            },
            LuaFunction("nn.load", doc: """
                nn.load(path: string [, {public_key = hex, strict = true}]) -> Module
                Rebuilds a model saved by nn.save from the config in the file and loads its parameters.
                With public_key, the digest and the Ed25519 signature are checked first and a file that
                fails either is refused.
                """) { [unowned self] call in
                let path = try call.string(1)
                let options = try call.options(2)
                let strict = try options.boolean("strict", default: true)
                let publicKey = try options.optionalString("public_key")
                return try bound(call) {
                    if let hex = publicKey {
                        let result = try Checkpoint.verify(path, publicKey: try Checkpoint.publicKey(hex: hex))
                        guard result.digestValid else { throw LuaRuntimeError("\(path): the digest does not match the content") }
                        guard result.signatureValid == true else {
                            throw LuaRuntimeError("\(path): " + (result.signed ? "the signature does not match the key" : "the file is not signed"))
                        }
                    }
                    let file = try readSafeTensors(path)
                    guard let json = file.metadata[Self.configKey] else {
                        throw LuaRuntimeError("\(path) has no \(Self.configKey) (not saved by nn.save); build the model and use model:load_state_dict(nn.load_tensors(path))")
                    }
                    guard let spec = LayerSpec(json: json) else { throw LuaRuntimeError("\(path): \(Self.configKey) is not a layer config (or nests deeper than \(LayerSpec.maxDepth) levels, or gives a layer more than \(LayerSpec.maxArguments) arguments)") }
                    let model = try construct(spec)
                    try model.loadStateDict(Dictionary(file.tensors.map { ($0.name, $0.tensor) }) { a, _ in a },
                                            strict: strict)
                    return push(call, model)
                }
            },
            LuaFunction("nn.load_tensors", doc: """
                nn.load_tensors(path: string) -> table
                Reads any safetensors file (F32, F16, BF16, F64 and integer types become float32 tensors)
                as a table of name -> Tensor, ready for model:load_state_dict. nn.metadata(path) reads
                its metadata.
                """) { [unowned self] call in
                let path = try call.string(1)
                return try bound(call) {
                    var tensors: [String: LuaValue] = [:]
                    for (name, tensor) in try readSafeTensors(path).tensors {
                        call.stack.push(tensor, as: TensorBinding.luaClass)
                        tensors[name] = call.stack.value(at: -1)
                        call.stack.pop()
                    }
                    call.stack.push(tensors)
                    return 1
                }
            },
            LuaFunction("nn.metadata", doc: """
                nn.metadata(path: string) -> table
                The string -> string metadata of a safetensors file (for nn.save's files: the model's config,
                the digest and signature, and what was passed as metadata).
                """) { [unowned self] call in
                let path = try call.string(1)
                return try bound(call) { call.returns(.table(LuaTableValue(fields: try readSafeTensors(path).metadata.mapValues { .string($0) }))) }
            },
            LuaFunction("nn.verify", doc: """
                nn.verify(path: string [, public_key: string]) -> ok, info
                Recomputes the SHA-256 digest nn.save stored and, given the public key (64 hex digits),
                checks the Ed25519 signature. ok is true only when the digest matches and, with a key,
                the signature does too; info has digest_ok, signed and signature_ok.
                """) { [unowned self] call in
                let path = try call.string(1)
                let key = try call.optionalString(2).map { try Checkpoint.publicKey(hex: $0) }
                return try bound(call) {
                    let result: Checkpoint.Verification
                    do {
                        result = try Checkpoint.verify(path, publicKey: key)
                    } catch let error as SafeTensorsError {
                        throw LuaRuntimeError("\(path): \(error)")
                    }
                    let ok = result.digestValid && (key == nil || result.signatureValid == true)
                    var info: [String: LuaValue] = ["digest_ok": .boolean(result.digestValid), "signed": .boolean(result.signed)]
                    if let valid = result.signatureValid { info["signature_ok"] = .boolean(valid) }
                    try workbench.recordAudit(action: "model.verify", subject: Workbench.auditedPath(path), detail: Workbench.auditDetail(result, ok: ok))
                    call.stack.push(ok)
                    call.stack.push(info)
                    return 2
                }
            },
            LuaFunction("nn.keygen", doc: """
                nn.keygen() -> private_key, public_key
                A fresh Ed25519 key pair as hex strings, for nn.save{sign_key=...} and nn.verify.
                """) { call in
                let (privateKey, publicKey) = Checkpoint.generateKeyPair()
                call.stack.push(privateKey)
                call.stack.push(publicKey)
                return 2
            },
        ]
    }

    private func readSafeTensors(_ path: String) throws -> SafeTensors {
        do {
            return try SafeTensors.read(from: path)
        } catch {
            throw LuaRuntimeError("\(path): \(error)")
        }
    }
}
