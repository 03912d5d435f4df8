import Foundation
import LuaKit
import Testing
import TestSupport
import Workbench

/// Calls every tensor function, method and operator with random bad (and
/// some good) arguments. The only acceptable outcomes are a result or a Lua
/// error naming the function: a trap would end the test process.
@Suite("tensor module under random arguments")
struct TensorFuzzTests {
    /// Tensors the calls work on, set up once per workbench. Sizes stay tiny
    /// and the "huge" numbers below are far past the engine's element limit,
    /// so no call can ask for gigabytes and succeed.
    static let setup = """
        A = tensor.randn(2, 3); B = tensor{1, 2, 3}; E = tensor.zeros(0, 3); S = tensor(5)
        Z = tensor.zeros(0); L = tensor.ones(1, 1, 1, 1); G = tensor.randn(2, 3):requires_grad()
        I = tensor{1, 2}; M = tensor{{1, 0, 1}, {0, 1, 0}}; N = tensor{0/0, 1/0, -1/0}
        Y = (G * 2):sum(); V = A:t(); X = tensor.ones(3):expand(4, 3); R = A
        """
    /// R holds the result of an earlier random call, so calls also chain
    /// through whatever odd tensors (views, empty, nan, non-tensors) came out.
    static let tensors = ["A", "B", "E", "S", "Z", "L", "G", "I", "M", "N", "Y", "V", "X", "R"]
    static let values = [
        "nil", "true", "false", "'x'", "'tanh'", "''", "{}", "{1, 2}", "{{1}, {2}}", "{-1}", "{0}", "{1, 'a'}",
        "{2^40}", "{1e9, 1e9}", "{-1, -1}", "{A, B}", "{A, A}", "{E}", "{x = 1}", "function() end",
        "0", "1", "2", "3", "-1", "-2", "-3", "-4", "4", "1.5", "-0.5", "0/0", "1/0", "-1/0",
        "2^40", "-2^40", "2^62", "math.mininteger", "math.maxinteger", "1e300", "io.stdout",
    ] + tensors

    @Test func thousandsOfRandomCallsOnlyRaiseLuaErrors() throws {
        let t = try TemporaryWorkbench()
        try t.run(Self.setup)
        let functions = try t.run("""
            local names = {}
            for k, v in pairs(tensor) do if type(v) == 'function' then names[#names + 1] = k end end
            table.sort(names); return table.concat(names, ' ')
            """)[0].description.split(separator: " ").map(String.init)
        let methods = try t.run("""
            local names = {}
            for k in pairs(getmetatable(A).__methods) do names[#names + 1] = k end
            table.sort(names); return table.concat(names, ' ')
            """)[0].description.split(separator: " ").map(String.init)
        #expect(functions.count > 80)
        #expect(methods.count > 80)

        // OPSLAB_FUZZ_SEED and OPSLAB_FUZZ_ROUNDS allow longer hunts than the default run.
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["OPSLAB_FUZZ_SEED"].flatMap { UInt64($0) } ?? 20_261_129
        let rounds = environment["OPSLAB_FUZZ_ROUNDS"].flatMap { Int($0) } ?? 6000
        var rng = SplitMix64(state: seed)
        var errors = 0, successes = 0
        for round in 0..<rounds {
            func arg() -> String { Self.values.randomElement(using: &rng)! }
            let argc = Int.random(in: 0...4, using: &rng)
            let args = (0..<argc).map { _ in arg() }.joined(separator: ", ")
            let code: String
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<4: code = "return tensor.\(functions.randomElement(using: &rng)!)(\(args))"
            case 4..<8: code = "return \(Self.tensors.randomElement(using: &rng)!):\(methods.randomElement(using: &rng)!)(\(args))"
            default:
                let a = arg(), b = Self.tensors.randomElement(using: &rng)!
                code = [
                    "return \(a) + \(b)", "return \(b) - \(a)", "return \(a) * \(b)", "return \(b) / \(a)",
                    "return \(b) ^ \(a)", "return \(a) ^ \(b)", "return -\(b)", "return #\(b)",
                    "return \(b)[\(a)]", "\(b)[\(a)] = \(arg())", "return tostring(\(b))", "return \(b).shape",
                ].randomElement(using: &rng)!
            }
            // Keep some results for later calls.
            let kept = code.hasPrefix("return ") && Int.random(in: 0..<5, using: &rng) == 0
                ? "R = " + code.dropFirst("return ".count) : code
            do {
                try t.run(kept)
                successes += 1
            } catch let error as LuaError {
                errors += 1
                // Every error names the function or operator that raised it (Lua's own
                // errors too, when R held a string or a number).
                let message = error.message.hasPrefix("test:1: ") ? String(error.message.dropFirst(8)) : error.message
                let named = ["tensor.", "Tensor:", "Tensor.", "attempt to", "bad argument"].contains { message.hasPrefix($0) }
                #expect(named, "round \(round): \(kept) -> \(error.message)")
            }
            if round % 500 == 499 {
                // Calls may have switched recording off or left pool tensors in odd states: reset.
                try t.run("tensor.set_grad_enabled(true); " + Self.setup)
            }
        }
        #expect(errors > rounds / 6)
        #expect(successes > rounds / 60)
        // The state still works after all that.
        #expect(try t.run("return tensor{1, 2}:sum():item()")[0].doubleValue == 3)
    }

    @Test func emptyAndZeroSizeTensorsGoThroughEveryMethodWithoutArguments() throws {
        let t = try TemporaryWorkbench()
        try t.run(Self.setup)
        let results = try t.run("""
            local ok, failed = 0, 0
            for name in pairs(getmetatable(A).__methods) do
              for _, x in ipairs{E, Z, S, L, X, N} do
                if pcall(x[name], x) then ok = ok + 1 else failed = failed + 1 end
                if pcall(tensor[name] or x[name], x, x) then ok = ok + 1 else failed = failed + 1 end
              end
            end
            return ok, failed
            """)
        #expect((results[0].doubleValue ?? 0) > 100)
    }
}
