import LuaKit
import NN
import Tensor

/// A learning-rate schedule attached to an optimizer: `sched:step()` after
/// each `opt:step()` sets the optimizer's rate for the next one.
final class Scheduler {
    let optimizer: any Optimizer
    let schedule: LearningRateSchedule
    private(set) var steps = 0

    init(optimizer: any Optimizer, schedule: LearningRateSchedule) {
        self.optimizer = optimizer
        self.schedule = schedule
        optimizer.learningRate = schedule.rate(at: 0)
    }

    func step() {
        steps += 1
        optimizer.learningRate = schedule.rate(at: steps)
    }
}

extension NNBinding {
    static let schedulerClass: LuaClass<Scheduler> = {
        let cls = LuaClass<Scheduler>("Scheduler")
        cls.add([
            LuaMethod("step", """
                sched:step()
                Advances the schedule one step and sets the optimizer's learning rate.
                """) { _, scheduler in
                scheduler.step()
                return 0
            },
            LuaMethod("lr", """
                sched:lr() -> number
                The learning rate the next optimizer step will use.
                """) { call, scheduler in
                call.returns(.number(luaNumber(scheduler.optimizer.learningRate)))
            },
        ])
        cls.metamethod("__tostring") { call in
            guard let s = call.stack.object(at: 1, cls) else { return 0 }
            let name: String
            switch s.schedule {
            case .step: name = "StepLR"
            case .cosine: name = "CosineLR"
            }
            return call.returns(.string("\(name)(step \(s.steps), lr=\(s.optimizer.learningRate))"))
        }
        return cls
    }()

    /// Losses, initialisers and gradient clipping: plain functions of `nn` and `optim`.
    func functions() -> (nn: [LuaFunction], optim: [LuaFunction]) {
        func loss(_ name: String, _ doc: String,
                  _ body: @escaping (Tensor, Tensor, LuaOptions) throws -> Tensor) -> LuaFunction {
            LuaFunction("nn.\(name)", doc: doc) { [unowned self] call in
                let input = try TensorBinding.tensorArgument(call, 1)
                let target = try TensorBinding.tensorArgument(call, 2)
                let options = try call.options(3)
                return try bound(call) { TensorBinding.push(call, try body(input, target, options)) }
            }
        }
        func initialiser(_ name: String, _ doc: String, _ make: @escaping ([Int]) throws -> Tensor) -> LuaFunction {
            LuaFunction("nn.init.\(name)", doc: doc) { [unowned self] call in
                let t = try call.object(1, TensorBinding.luaClass)
                return try bound(call) {
                    let fresh = try make(t.shape)
                    try Tensor.noGrad { _ = try t.copy_(fresh) }
                    return TensorBinding.push(call, t)
                }
            }
        }
        let nn: [LuaFunction] = [
            loss("mse", """
                nn.mse(input: Tensor|number|table, target: Tensor|number|table) -> Tensor
                Mean squared error (shapes must match).
                """) { a, b, _ in try Loss.mse(a, b) },
            loss("l1", """
                nn.l1(input: Tensor|number|table, target: Tensor|number|table) -> Tensor
                Mean absolute error (shapes must match).
                """) { a, b, _ in try Loss.l1(a, b) },
            loss("huber", """
                nn.huber(input: Tensor|number|table, target: Tensor|number|table [, {delta = 1}]) -> Tensor
                Quadratic below delta, linear above (torch.nn.HuberLoss).
                """) { a, b, options in
                try Loss.huber(a, b, delta: Float(try options.number("delta", default: 1, in: 0...3.4e38)))
            },
            loss("cross_entropy", """
                nn.cross_entropy(logits: Tensor|number|table, target: Tensor|number|table [, {label_smoothing = 0, ignore_index = nil}]) -> Tensor
                Cross entropy from logits [N, C] and 1-based class indices [N], averaged over the rows
                not equal to ignore_index.
                """) { logits, target, options in
                // Lua's class indices start at 1, the engine's at 0.
                let ignore = try options.optionalInteger("ignore_index", in: Int.min...Int.max).map { index in
                    guard index > Int.min else { throw options.error("ignore_index", "is out of range") }
                    return index - 1
                }
                return try Loss.crossEntropy(logits, try target - 1,
                                             labelSmoothing: Float(try options.number("label_smoothing", default: 0, in: 0...1)),
                                             ignoreIndex: ignore)
            },
            loss("nll", """
                nn.nll(log_probs: Tensor|number|table, target: Tensor|number|table) -> Tensor
                Negative log-likelihood of log-probabilities [N, C] at 1-based class indices [N].
                """) { logProbs, target, _ in
                try Loss.nll(logProbs, try target - 1)
            },
            loss("binary_cross_entropy_with_logits", """
                nn.binary_cross_entropy_with_logits(logits: Tensor|number|table, target: Tensor|number|table) -> Tensor
                Binary cross entropy of sigmoid(logits) against targets in [0, 1], computed stably.
                """) { a, b, _ in try Loss.binaryCrossEntropyWithLogits(a, b) },
            initialiser("xavier_uniform", """
                nn.init.xavier_uniform(t: Tensor) -> t
                Fills t (at least 2-D, [out, in, ...]) from U(-a, a), a = sqrt(6 / (fan_in + fan_out)).
                """) { try Init.xavierUniform($0) },
            initialiser("xavier_normal", """
                nn.init.xavier_normal(t: Tensor) -> t
                Fills t from N(0, 2 / (fan_in + fan_out)).
                """) { try Init.xavierNormal($0) },
            initialiser("kaiming_uniform", """
                nn.init.kaiming_uniform(t: Tensor) -> t
                He initialisation for ReLU networks: U(-b, b), b = sqrt(6 / fan_in).
                """) { try Init.kaimingUniform($0) },
            initialiser("kaiming_normal", """
                nn.init.kaiming_normal(t: Tensor) -> t
                He initialisation for ReLU networks: N(0, 2 / fan_in).
                """) { try Init.kaimingNormal($0) },
        ]
        let optim: [LuaFunction] = [
            LuaFunction("optim.clip_grad_norm", doc: """
                optim.clip_grad_norm(params: Module|table, max_norm: number) -> number
                Rescales the gradients of params (a list or a Module) together so their global L2 norm is
                at most max_norm; returns the norm before clipping.
                """) { [unowned self] call in
                let parameters = try parameterList(call, 1)
                let maxNorm = try call.number(2)
                guard maxNorm > 0 else { throw call.argumentError(2, "max_norm must be positive, got \(maxNorm)") }
                return try bound(call) { call.returns(.number(Double(try clipGradNorm(parameters, maxNorm: Float(maxNorm))))) }
            },
            LuaFunction("optim.StepLR", doc: """
                optim.StepLR(opt: Optimizer, {step_size = n, gamma = 0.1}) -> Scheduler
                Multiplies the learning rate by gamma every step_size calls of sched:step().
                """) { [unowned self] call in
                let optimizer = try optimizer(call, 1)
                let options = try call.options(2)
                guard let every = try options.optionalInteger("step_size", in: 1...Int.max) else {
                    throw options.error("step_size", "is required (a positive integer)")
                }
                let schedule = LearningRateSchedule.step(base: optimizer.learningRate, every: every,
                                                         gamma: Float(try options.number("gamma", default: 0.1, in: 0...3.4e38)))
                return try bound(call) {
                    call.stack.push(Scheduler(optimizer: optimizer, schedule: schedule), as: Self.schedulerClass)
                    return 1
                }
            },
            LuaFunction("optim.CosineLR", doc: """
                optim.CosineLR(opt: Optimizer, {total = n, warmup = 0, min_lr = 0}) -> Scheduler
                Linear warm-up over `warmup` steps, then a cosine decay to min_lr at step `total`.
                """) { [unowned self] call in
                let optimizer = try optimizer(call, 1)
                let options = try call.options(2)
                guard let total = try options.optionalInteger("total", in: 1...Int.max) else {
                    throw options.error("total", "is required (a positive integer)")
                }
                let warmup = try options.integer("warmup", default: 0, in: 0...(total - 1))
                let schedule = LearningRateSchedule.cosine(base: optimizer.learningRate, warmup: warmup, total: total,
                                                           minimum: Float(try options.number("min_lr", default: 0, in: 0...3.4e38)))
                return try bound(call) {
                    call.stack.push(Scheduler(optimizer: optimizer, schedule: schedule), as: Self.schedulerClass)
                    return 1
                }
            },
        ]
        return (nn, optim)
    }
}
