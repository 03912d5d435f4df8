import LuaKit
import NN
import Plugins
import Tensor

/// How a built-in layer sits in the plugin registry (kind `layer`): its
/// constructor, taking the arguments as Lua passes them. The doc's
/// signature line is the one statement of the arguments: it bounds their
/// count and names the keys of the options table, for calls from Lua and
/// for specs read back out of checkpoints alike.
final class BuiltinLayer: Sendable {
    let name: String
    let doc: String
    let signature: LuaSignature?
    let build: @Sendable (LayerArguments) throws -> any Layer

    init(_ name: String, _ doc: String, _ build: @escaping @Sendable (LayerArguments) throws -> any Layer) {
        self.name = name
        self.doc = doc
        self.signature = LuaSignature(doc: doc, name: "nn.\(name)")
        self.build = build
    }
}

extension NNBinding {
    /// Builds the layer registered as `type` from `arguments`, recording
    /// its spec so that checkpoints can rebuild it.
    func construct(_ type: String, _ arguments: LayerArguments) throws -> any Layer {
        guard let entry = workbench.registry.entry(kind: "layer", name: type) else {
            throw LuaRuntimeError("no layer named \"\(type)\" (nn.layers() lists them)")
        }
        let layer: any Layer
        switch entry.implementation {
        case let builtin as BuiltinLayer: layer = try builtin.build(try arguments.declared(by: builtin.signature))
        case let plugin as LuaPlugin: layer = try LuaLayer.make(plugin: plugin, arguments: arguments, binding: self)
        default: throw LuaRuntimeError("layer \"\(type)\" has no constructor")
        }
        layer.spec = arguments.spec(type: type)
        return layer
    }

    /// Builds a layer, and its children first, from a spec read back out of a checkpoint.
    func construct(_ spec: LayerSpec) throws -> any Layer {
        let items = try spec.arguments.map { argument -> LayerArgument in
            if case .layer(let child) = argument { return .layer(try construct(child)) }
            return .value(argument)
        }
        return try construct(spec.type, LayerArguments(function: "nn.\(spec.type)", items: items))
    }

    /// Registers every built-in layer as a plugin of kind `layer`.
    func registerBuiltinLayers() {
        for builtin in Self.builtinLayers {
            registerBuiltin(kind: "layer", name: builtin.name, doc: builtin.doc, function: "forward", implementation: builtin)
        }
    }

    /// Registers a built-in as a plugin would be: same manifest checks,
    /// same registry. The description is the docstring's second line.
    func registerBuiltin(kind: String, name: String, doc: String, function: String, implementation: AnyObject) {
        let registry = workbench.registry
        do {
            let manifest = try PluginManifest(fields: [
                "kind": .string(kind), "name": .string(name), "version": .string(Workbench.version),
                "description": .string(String(doc.split(separator: "\n").dropFirst().first ?? "built-in \(kind)")),
                function: .function,
            ], kinds: registry.kinds)
            try registry.register(manifest, source: .builtin, implementation: implementation)
        } catch {
            registry.recordProblem(.init(file: "built-in \(kind) \(name)", field: error.field, message: error.message))
        }
    }

    static func activation(_ name: String, _ kind: Activation.Kind, _ what: String) -> BuiltinLayer {
        BuiltinLayer(name, """
            nn.\(name)() -> Module
            \(what)
            """) { args in
            return Activation(kind)
        }
    }

    static let builtinLayers: [BuiltinLayer] = [
        BuiltinLayer("Linear", """
            nn.Linear(in: integer, out: integer [, {bias = true}]) -> Module
            y = x W^T + b, W [out, in] as in PyTorch, initialised uniform(-1/sqrt(in), 1/sqrt(in)).
            """) { args in
            let options = try args.options(3)
            return try Linear(try args.integer(1, "in"), try args.integer(2, "out"),
                              bias: try options.boolean("bias", default: true))
        },
        BuiltinLayer("Embedding", """
            nn.Embedding(count: integer, dim: integer) -> Module
            A table of count vectors of size dim, looked up by 1-based index: input of any shape of
            indices 1..count gives output shape input.shape + {dim}.
            """) { args in
            return try Embedding(try args.integer(1, "count"), try args.integer(2, "dim"), indexBase: 1)
        },
        BuiltinLayer("LayerNorm", """
            nn.LayerNorm(dim: integer [, {eps = 1e-5}]) -> Module
            Normalises the last dimension to zero mean and unit variance, then scales and shifts.
            """) { args in
            let options = try args.options(2)
            return try LayerNorm(try args.integer(1, "dim"), eps: Float(try options.number("eps", default: 1e-5, in: 0...1)))
        },
        BuiltinLayer("RMSNorm", """
            nn.RMSNorm(dim: integer [, {eps = 1e-6}]) -> Module
            Divides the last dimension by its root mean square, then scales.
            """) { args in
            let options = try args.options(2)
            return try RMSNorm(try args.integer(1, "dim"), eps: Float(try options.number("eps", default: 1e-6, in: 0...1)))
        },
        BuiltinLayer("Dropout", """
            nn.Dropout([p: number]) -> Module
            Zeroes elements with probability p (default 0.5) while training and scales the rest by 1/(1-p).
            """) { args in
            return try Dropout(Float(try args.number(1, "p", default: 0.5)))
        },
        activation("ReLU", .relu, "max(x, 0) elementwise."),
        BuiltinLayer("GELU", """
            nn.GELU([{approximate = "none"}]) -> Module
            x * Phi(x), exact, or with approximate = "tanh" the tanh approximation.
            """) { args in
            let mode = try args.options(1).optionalString("approximate") ?? "none"
            switch mode {
            case "none": return Activation(.gelu)
            case "tanh": return Activation(.geluTanh)
            default: throw args.error(1, "option 'approximate' must be \"none\" or \"tanh\", got \"\(mode)\"")
            }
        },
        activation("SiLU", .silu, "x * sigmoid(x) elementwise."),
        activation("Tanh", .tanh, "tanh elementwise."),
        activation("Sigmoid", .sigmoid, "1 / (1 + exp(-x)) elementwise."),
        activation("Softmax", .softmax, "softmax over the last dimension."),
        BuiltinLayer("Sequential", """
            nn.Sequential(m1: Module, ...) -> Module
            Runs the modules in order; m[1] is the first, parameters are named "0.weight", "1.bias", ...
            """) { args in
            let layers = try args.items.enumerated().map { i, item -> any Layer in
                guard case .layer(let layer) = item else { throw args.error(i + 1, "expected Module, got \(item.typeName)") }
                return layer
            }
            return try Sequential(layers)
        },
        BuiltinLayer("MultiHeadAttention", """
            nn.MultiHeadAttention(dim: integer, heads: integer [, {causal = false}]) -> Module
            Batch-first self-attention over [batch, time, dim]; m(x, {key_padding_mask = mask}) masks keys.
            """) { args in
            let options = try args.options(3)
            return try MultiHeadAttention(dim: try args.integer(1, "dim"), heads: try args.integer(2, "heads"),
                                          causal: try options.boolean("causal", default: false))
        },
        BuiltinLayer("TransformerBlock", """
            nn.TransformerBlock(dim: integer, heads: integer [, {causal = true, dropout = 0}]) -> Module
            Pre-norm block: x + attn(ln1(x)), then x + mlp(ln2(x)) with a GELU MLP of width 4*dim.
            """) { args in
            let options = try args.options(3)
            return try TransformerBlock(dim: try args.integer(1, "dim"), heads: try args.integer(2, "heads"),
                                        causal: try options.boolean("causal", default: true),
                                        dropout: Float(try options.number("dropout", default: 0, in: 0...1)))
        },
        BuiltinLayer("Conv1d", """
            nn.Conv1d(in: integer, out: integer, kernel: integer [, {stride = 1, padding = 0, bias = true}]) -> Module
            1-D convolution over [batch, in, length] (metric series as channels); weight [out, in, kernel].
            """) { args in
            let options = try args.options(4)
            return try Conv1d(try args.integer(1, "in"), try args.integer(2, "out"), kernel: try args.integer(3, "kernel"),
                              stride: try options.integer("stride", default: 1, in: 1...Int.max),
                              padding: try options.integer("padding", default: 0, in: 0...Int.max),
                              bias: try options.boolean("bias", default: true))
        },
    ]
}
