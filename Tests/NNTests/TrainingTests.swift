import Foundation
import NN
import Tensor
import Testing

@Suite("Modules, losses and optimizers")
struct TrainingTests {
    func xor() throws -> (Tensor, Tensor) {
        (try Tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), try Tensor([[0], [1], [1], [0]]))
    }

    func mlp(seed: UInt64) throws -> Sequential {
        let g = Generator(seed: seed)
        return try Sequential([try Linear(2, 8, generator: g), Activation(.tanh), try Linear(8, 1, generator: g)])
    }

    @Test func anMLPLearnsXORWithAdamAndSGD() throws {
        let (x, y) = try xor()
        for useAdam in [true, false] {
            let model = try mlp(seed: 7)
            let params = model.namedParameters().map(\.tensor)
            let opt: any Optimizer = useAdam ? try Adam(params, lr: 0.05) : try SGD(params, lr: 0.2, momentum: 0.9)
            var loss: Float = 1
            for _ in 0..<500 {
                opt.zeroGrad()
                let l = try Loss.mse(try model(x), y)
                try l.backward()
                try opt.step()
                loss = try l.item()
            }
            #expect(loss < 0.01, "\(useAdam ? "Adam" : "SGD") ended at \(loss)")
        }
    }

    @Test func namesCountsAndTree() throws {
        let model = try mlp(seed: 1)
        #expect(model.namedParameters().map(\.name) == ["0.weight", "0.bias", "2.weight", "2.bias"])
        #expect(model.parameterCount == 2 * 8 + 8 + 8 + 1)
        #expect(model.description.contains("(0): Linear(2 -> 8)  [24 params]"))
        #expect(model.description.hasPrefix("Sequential  [33 params in all]"))
    }

    @Test func stateDictsAreShapeCheckedAndSurviveSafetensors() throws {
        let a = try mlp(seed: 1), b = try mlp(seed: 2)
        let (x, _) = try xor()
        let bytes = try SafeTensors(tensors: a.stateDict(), metadata: ["arch": "mlp"]).encode()
        let file = try SafeTensors.decode(bytes)
        try b.loadStateDict(Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, $0.tensor) }))
        #expect(try b(x).toArray() == a(x).toArray())
        let wrong = try Linear(3, 8)
        #expect(throws: NNError.self) { try b.loadStateDict(["0.weight": wrong.weight]) }
        do {
            try b.loadStateDict(["0.weight": wrong.weight], strict: false)
        } catch {
            #expect("\(error)".contains("0.weight: expected shape [8, 2], got [8, 3]"))
        }
    }

    @Test func optimizerStateResumesExactly() throws {
        let (x, y) = try xor()
        func train(_ model: Sequential, _ opt: Adam, steps: Int) throws {
            for _ in 0..<steps {
                opt.zeroGrad()
                try Loss.mse(try model(x), y).backward()
                try opt.step()
            }
        }
        let straight = try mlp(seed: 3)
        let straightOpt = try Adam(straight.namedParameters().map(\.tensor), lr: 0.01)
        try train(straight, straightOpt, steps: 10)

        let first = try mlp(seed: 3)
        let firstOpt = try Adam(first.namedParameters().map(\.tensor), lr: 0.01)
        try train(first, firstOpt, steps: 5)
        let resumed = try mlp(seed: 99)
        try resumed.loadStateDict(Dictionary(uniqueKeysWithValues: first.stateDict().map { ($0.name, try $0.tensor.clone()) }))
        let resumedOpt = try Adam(resumed.namedParameters().map(\.tensor), lr: 0.01)
        try resumedOpt.loadStateDict(firstOpt.stateDict())
        try train(resumed, resumedOpt, steps: 5)
        for (p, q) in zip(straight.namedParameters(), resumed.namedParameters()) {
            #expect(p.tensor.toArray() == q.tensor.toArray(), "\(p.name)")
        }
    }

    @Test func lossValues() throws {
        let a = try Tensor([1, 2, 3]), b = try Tensor([1, 4, 0])
        #expect(try Loss.mse(a, b).item() == (0 + 4 + 9) / 3)
        #expect(abs(try Loss.l1(a, b).item() - 5.0 / 3) < 1e-6)
        #expect(try Loss.huber(a, b).item() == (0 + 1.5 + 2.5) / 3)
        // Uniform logits over 4 classes: -log(1/4) for every row.
        let logits = try Tensor.zeros([3, 4])
        let target = try Tensor([0, 3, 1])
        #expect(abs(try Loss.crossEntropy(logits, target).item() - 1.3862944) < 1e-6)
        #expect(abs(try Loss.crossEntropy(logits, target, labelSmoothing: 0.1).item() - 1.3862944) < 1e-6)
        // An ignored row does not count.
        let peaked = try Tensor([[10, 0], [0, 10]])
        let withIgnored = try Loss.crossEntropy(peaked, try Tensor([0, -100]), ignoreIndex: -100).item()
        let alone = try Loss.crossEntropy(try peaked.slice(0, 0, 1), try Tensor([0])).item()
        #expect(withIgnored == alone)
        #expect(abs(try Loss.binaryCrossEntropyWithLogits(try Tensor([0]), try Tensor([1])).item() - 0.6931472) < 1e-6)
    }

    @Test func crossEntropyGradientMatchesSoftmaxMinusOneHot() throws {
        let logits = try Tensor([[1, 2, 0.5], [0, -1, 3]]).requiresGrad()
        try Loss.crossEntropy(logits, try Tensor([2, 0])).backward()
        let expected = try (logits.detach().softmax(dim: 1) - Tensor([[0, 0, 1], [1, 0, 0]])) / 2
        for (g, e) in zip(try #require(logits.grad).toArray(), expected.toArray()) {
            #expect(abs(g - e) < 1e-6)
        }
    }

    @Test func badArgumentsAreErrors() throws {
        #expect(throws: NNError.self) { try Linear(0, 3) }
        #expect(throws: NNError.self) { try Linear(2, 3)(try Tensor([[1, 2, 3]])) }
        #expect(throws: NNError.self) { try Loss.crossEntropy(try Tensor.zeros([2, 3]), try Tensor([0, 5])) }
        #expect(throws: NNError.self) { try Loss.crossEntropy(try Tensor.zeros([2, 3]), try Tensor([0])) }
        #expect(throws: NNError.self) { try Loss.mse(try Tensor([1]), try Tensor([1, 2])) }
        #expect(throws: NNError.self) { try Dropout(1) }
        #expect(throws: NNError.self) { try SGD([], lr: 0.1) }
        #expect(throws: NNError.self) { try Adam([try Tensor([1])], lr: -1) }
    }

    @Test func dropoutOnlyWhileTraining() throws {
        let drop = try Dropout(0.5, generator: Generator(seed: 1))
        let x = try Tensor.ones([1000])
        let trained = try drop(x).toArray()
        #expect(trained.allSatisfy { $0 == 0 || $0 == 2 })
        #expect((350...650).contains(trained.filter { $0 == 0 }.count))
        drop.eval()
        #expect(try drop(x).toArray() == x.toArray())
    }

    @Test func normalisationLayers() throws {
        let x = try Tensor([[1, 2, 3, 4], [2, 2, 2, 2]])
        let ln = try LayerNorm(4)
        let y = try ln(x)
        let row = Array(y.toArray()[0..<4])
        #expect(abs(row.reduce(0, +)) < 1e-5)
        #expect(y.toArray()[4...].allSatisfy { abs($0) < 1e-3 })
        let rms = try RMSNorm(4)(x)
        #expect(abs(rms.toArray()[4] - 1) < 1e-5)
        let emb = try Embedding(10, 3, generator: Generator(seed: 1))
        #expect(try emb(try Tensor([[1, 2], [3, 4]])).shape == [2, 2, 3])
    }
}

@Suite("Attention, convolution and schedules")
struct ArchitectureTests {
    @Test func causalAttentionDoesNotSeeTheFuture() throws {
        let g = Generator(seed: 5)
        let attention = try MultiHeadAttention(dim: 8, heads: 2, causal: true, generator: g)
        let x = try Tensor.randn([1, 4, 8], generator: g)
        let y = try attention(x)
        #expect(y.shape == [1, 4, 8])
        // Changing the last time step leaves the earlier outputs unchanged.
        let changed = try Tensor.cat([try x.slice(1, 0, 3), try Tensor.randn([1, 1, 8], generator: g)], dim: 1)
        let y2 = try attention(changed)
        let early = try y.slice(1, 0, 3).toArray(), early2 = try y2.slice(1, 0, 3).toArray()
        for (a, b) in zip(early, early2) { #expect(abs(a - b) < 1e-5) }
        #expect(try y.slice(1, 3, 4).toArray() != y2.slice(1, 3, 4).toArray())
    }

    @Test func keyPaddingIsIgnored() throws {
        let g = Generator(seed: 6)
        let attention = try MultiHeadAttention(dim: 4, heads: 1, generator: g)
        let x = try Tensor.randn([1, 3, 4], generator: g)
        let mask = try Tensor([[0, 0, 1]])
        let a = try attention.forward(x, keyPadding: mask)
        let other = try Tensor.cat([try x.slice(1, 0, 2), try Tensor.randn([1, 1, 4], generator: g)], dim: 1)
        let b = try attention.forward(other, keyPadding: mask)
        for (u, v) in zip(try a.slice(1, 0, 2).toArray(), try b.slice(1, 0, 2).toArray()) { #expect(abs(u - v) < 1e-5) }
    }

    @Test func transformerBlockShapesAndGradients() throws {
        let block = try TransformerBlock(dim: 8, heads: 2, generator: Generator(seed: 2))
        let y = try block(try Tensor.randn([2, 5, 8], generator: Generator(seed: 3)))
        #expect(y.shape == [2, 5, 8])
        try y.square().mean().backward()
        #expect(block.namedParameters().allSatisfy { $0.tensor.grad != nil })
        #expect(block.namedParameters().map(\.name).contains("attn.q.weight"))
    }

    @Test func conv1dMatchesAHandComputation() throws {
        let conv = try Conv1d(1, 1, kernel: 2, padding: 1, bias: false)
        _ = try Tensor.noGrad { try conv.weight.copy_(try Tensor(shape: [1, 1, 2], data: [1, -1])) }
        let y = try conv(try Tensor(shape: [1, 1, 3], data: [1, 4, 9]))
        // Padded [0, 1, 4, 9, 0] with kernel [1, -1]: 0-1, 1-4, 4-9, 9-0.
        #expect(y.shape == [1, 1, 4])
        #expect(y.toArray() == [-1, -3, -5, 9])
    }

    @Test func schedules() {
        let step = LearningRateSchedule.step(base: 1, every: 10, gamma: 0.5)
        #expect(step.rate(at: 9) == 1 && step.rate(at: 10) == 0.5 && step.rate(at: 25) == 0.25)
        let cosine = LearningRateSchedule.cosine(base: 1, warmup: 10, total: 110, minimum: 0)
        #expect(cosine.rate(at: 0) == 0.1 && cosine.rate(at: 9) == 1)
        #expect(abs(cosine.rate(at: 60) - 0.5) < 1e-6 && cosine.rate(at: 500) == 0)
    }

    @Test func adaptiveOptimizersDescend() throws {
        for make in [{ (p: [Tensor]) throws -> any Optimizer in try RMSProp(p, lr: 0.05) },
                     { (p: [Tensor]) throws -> any Optimizer in try AdaGrad(p, lr: 0.5) }] {
            let w = try Tensor([3, -2]).requiresGrad()
            let opt = try make([w])
            for _ in 0..<200 {
                opt.zeroGrad()
                try w.square().sum().backward()
                try opt.step()
            }
            #expect(w.toArray().allSatisfy { abs($0) < 0.1 }, "\(type(of: opt)) left \(w.toArray())")
        }
    }
}

@Suite("Data")
struct DataTests {
    @Test func batchesCoverEveryRowOnceAndShuffleIsSeeded() throws {
        let x = try Tensor.arange(10).reshape([10, 1])
        let loader = try DataLoader(x: x, y: try x * 2, batchSize: 4, shuffle: true, seed: 3)
        let batches = Array(loader)
        #expect(batches.map(\.x.shape[0]) == [4, 4, 2])
        #expect(batches.flatMap { $0.x.toArray() }.sorted() == (0..<10).map(Float.init))
        for batch in batches { #expect(try #require(batch.y).toArray() == batch.x.toArray().map { $0 * 2 }) }
        let again = try DataLoader(x: x, batchSize: 4, shuffle: true, seed: 3)
        #expect(Array(again).flatMap { $0.x.toArray() } == batches.flatMap { $0.x.toArray() })
        #expect(try DataLoader(x: x, batchSize: 4, dropLast: true).batchCount == 2)
        #expect(throws: NNError.self) { try DataLoader(x: x, y: try Tensor([1]), batchSize: 2) }
        #expect(throws: NNError.self) { try DataLoader(x: x, batchSize: 0) }
    }

    @Test func csv() throws {
        let path = NSTemporaryDirectory() + "opslab-\(getpid()).csv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "temp,util\n71.5,0.9\n80,1\n".write(toFile: path, atomically: true, encoding: .utf8)
        let (t, header) = try loadCSV(path)
        #expect(header == ["temp", "util"] && t.shape == [2, 2] && t.toArray() == [71.5, 0.9, 80, 1])
        try "1,2\n3\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: NNError.self) { try loadCSV(path) }
        try "1,2\n3,x\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: NNError.self) { try loadCSV(path) }
    }
}
