import LuaKit
import NN
import Plugins
import Tensor

// The `nn`, `optim` and `data` modules. Layer and optimizer constructors
// (`nn.Linear`, `optim.Adam`, and those of Lua plugins) are views of the
// plugin registry: they are rebuilt whenever plugins load, so a layer
// plugin's constructor sits beside the built-in ones and is called the same
// way.
extension Workbench {
    func installNN() throws {
        let binding = NNBinding(workbench: self)
        nnBinding = binding
        lua.register(binding.moduleClass)
        lua.register(binding.optimizerClass)
        lua.register(NNBinding.schedulerClass)
        lua.register(NNBinding.loaderClass)
        binding.registerBuiltinLayers()
        binding.registerBuiltinOptimizers()

        let (nnFunctions, optimFunctions) = binding.functions()
        let inits = nnFunctions.filter { $0.name.hasPrefix("nn.init.") }
        lua.registerModule("nn", functions: nnFunctions.filter { !$0.name.hasPrefix("nn.init.") }
                           + binding.checkpointFunctions() + binding.registryFunctions())
        lua.registerModule("optim", functions: optimFunctions + [binding.optimizerListFunction()])
        lua.registerModule("data", functions: NNBinding.dataFunctions)
        lua.registerModule("tensor", functions: [NNBinding.csvFunction("tensor.load_csv")])
        let stack = lua.stack
        stack.push(lua.global("nn"))
        stack.pushNewTable()
        for function in inits {
            stack.push(function)
            stack.setField(function.shortName, inTableAt: -2)
        }
        stack.setField("init", inTableAt: -2)
        stack.pop()
        try runBundled(PackageResources.fit_lua, name: "nn.fit")
        binding.refreshConstructors()
        if case .table(let views)? = try runBundled(PackageResources.sandbox_modules_lua, name: "sandbox modules").first {
            sandboxModules = views.fields
        }
        document("nn", """
            nn: neural-network layers, losses, initialisers and checkpoints on top of tensor.
            Layers: nn.layers() lists them (built-in and plugins); nn.Linear(784, 128), nn.Sequential(...).
            Losses: mse, l1, huber, cross_entropy, nll, binary_cross_entropy_with_logits.
            Training: nn.fit{...} or the plain loop; checkpoints: nn.save, nn.load, nn.verify, nn.keygen.
            Your own layer: nn.define{name = "Scale", init = function(self, n) ... end, forward = function(self, x) ... end}.
            """)
        document("optim", """
            optim: optimizers (optim.list()): SGD, Adam, AdamW, RMSProp, AdaGrad and optimizer plugins;
            opt = optim.Adam(model:parameters(), {lr = 1e-3}); opt:zero_grad(); loss:backward(); opt:step().
            Also clip_grad_norm, StepLR, CosineLR.
            """)
        document("data", "data: data.loader{x = X, y = Y, batch_size = 64, shuffle = true, seed = 1} and data.csv(path).")
        document("nn.fit", Self.fitDoc)
        document("nn.define", """
            nn.define{name = "Name", init = function(self, ...) end, forward = function(self, x, ...) end} -> constructor
            Registers a layer written in Lua for this session (kind "layer", as a plugin file would) and
            returns its constructor, also reachable as nn.Name. In init, tensors that require grad become
            parameters and modules (or lists of modules) become children, named by their fields.
            """)
        addTopic("nn", Self.nnTopic)
    }


    static let fitDoc = """
        nn.fit{model = m, loss = fn_or_name, optimizer = opt, data = loader, epochs = 1, ...} -> history
        Trains m for `epochs` passes over the DataLoader: forward, loss, zero_grad, backward,
        [clip_grad_norm], step, [scheduler:step()]. loss is a function(output, y) or the name of an nn
        loss ("cross_entropy"). Options: scheduler, clip_grad_norm (a max norm), on_step(info) and
        on_epoch(info) callbacks (return false to stop), progress (default true). On a terminal a
        progress bar shows epoch, step, rate and loss; otherwise one line per epoch is printed.
        Returns {loss = {mean loss per epoch}, steps = n}.
        """


    static let nnTopic = """
    Neural networks: tensor (autodiff), nn (layers, losses, checkpoints), optim, data.

      tensor.manual_seed(1)
      model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
      opt = optim.Adam(model:parameters(), {lr = 1e-3})
      loader = data.loader{x = X, y = Y, batch_size = 64, shuffle = true, seed = 1}
      for xb, yb in loader:batches() do
        local loss = nn.cross_entropy(model(xb), yb)   -- class indices 1..C
        opt:zero_grad(); loss:backward(); opt:step()
      end
      nn.fit{model = model, loss = "cross_entropy", optimizer = opt, data = loader, epochs = 10}
      nn.save(model, "mlp.safetensors")               -- safetensors.torch.load_file reads it
      model = nn.load("mlp.safetensors")

    Layers and optimizers are plugins of kinds "layer" and "optimizer": nn.layers() and optim.list()
    show the built-in ones and those from plugin files (plugins/layers, plugins/optimizers), which are
    called exactly like the built-ins. nn.define{...} adds a layer from the REPL.
    Signed checkpoints: priv, pub = nn.keygen(); nn.save(m, path, {sign_key = priv});
    nn.verify(path, pub); `opslab model verify FILE --key PUB` from the shell.
    """
}

extension NNBinding {
    /// Sets `nn.Name` and `optim.Name` for every layer and optimizer in the
    /// registry, and removes those whose plugin is gone.
    func refreshConstructors() {
        let lua = workbench.lua
        let stack = lua.stack
        for (module, kind) in [("nn", "layer"), ("optim", "optimizer")] {
            let entries = workbench.registry.entries(ofKind: kind)
            stack.push(lua.global(module))
            // The user may have replaced the global with something else.
            guard stack.isTable(at: -1) else { stack.pop(); continue }
            for stale in (installedConstructors[module] ?? []).subtracting(entries.map(\.name)) {
                stack.pushNil()
                stack.setField(stale, inTableAt: -2)
            }
            for entry in entries {
                let name = entry.name
                let doc = (entry.implementation as? BuiltinLayer)?.doc
                    ?? (entry.implementation as? BuiltinOptimizer)?.doc
                    ?? "\(module).\(name)(...) -> \(kind == "layer" ? "Module" : "Optimizer")\n\(entry.manifest.description) (\(kind) plugin from \(entry.source))"
                let function = kind == "layer"
                    ? LuaFunction("nn.\(name)", doc: doc) { [unowned self] call in
                        try bound(call) {
                            push(call, try construct(name, layerArguments(call, function: "nn.\(name)")))
                        }
                    }
                    : LuaFunction("optim.\(name)", doc: doc) { [unowned self] call in
                        try bound(call) {
                            push(try constructOptimizer(name, call), on: call.stack)
                            return 1
                        }
                    }
                stack.push(function)
                stack.setField(name, inTableAt: -2)
            }
            stack.pop()
            installedConstructors[module] = Set(entries.map(\.name))
        }
    }

    func registryFunctions() -> [LuaFunction] {
        [
            LuaFunction("nn.layers", doc: """
                nn.layers() -> list
                The layer types: built-in ones and layer plugins, each {name, source, description}.
                """) { [unowned self] call in
                call.stack.push(workbench.registry.entries(ofKind: "layer").map { entry in
                    LuaValue.table(LuaTableValue(fields: ["name": .string(entry.name), "source": .string(entry.source.description),
                                                          "description": .string(entry.manifest.description)]))
                })
                return 1
            },
            LuaFunction("nn.define", doc: "") { [unowned self] call in
                try call.expectArguments(atMost: 1)
                var table = try call.table(1)
                guard table.reference != nil else { throw call.typeError(1, expected: "table") }
                table.fields["kind"] = .string("layer")
                if table["version"].isNil { table.fields["version"] = .string("0.0.0") }
                if table["description"].isNil { table.fields["description"] = .string("a layer defined in this session") }
                let manifest = try workbench.registerSessionPlugin(call, table, position: 1)
                refreshConstructors()
                call.stack.push(workbench.lua.global("nn").tableValue?[manifest.name] ?? .nil)
                return 1
            },
        ]
    }

    func optimizerListFunction() -> LuaFunction {
        LuaFunction("optim.list", doc: """
            optim.list() -> list
            The optimizers: built-in ones and optimizer plugins, each {name, source, description}.
            """) { [unowned self] call in
            call.stack.push(workbench.registry.entries(ofKind: "optimizer").map { entry in
                LuaValue.table(LuaTableValue(fields: ["name": .string(entry.name), "source": .string(entry.source.description),
                                                      "description": .string(entry.manifest.description)]))
            })
            return 1
        }
    }
}
