import LuaKit
import NN
import Tensor

/// A `DataLoader` as Lua holds it.
final class LoaderObject {
    let loader: DataLoader
    init(_ loader: DataLoader) { self.loader = loader }
}

extension NNBinding {
    static let loaderClass: LuaClass<LoaderObject> = {
        let cls = LuaClass<LoaderObject>("DataLoader")
        cls.add([
            LuaMethod("batches", """
                loader:batches() -> iterator
                One epoch: for xb, yb in loader:batches() do ... end (yb is nil without y). With shuffle,
                each call draws a new order from the loader's seeded generator.
                """) { call, object in
                let iterator = object.loader.makeIterator()
                call.stack.push(LuaFunction("DataLoader batch") { inner in
                    guard let (x, y) = iterator.next() else { return 0 }
                    inner.stack.push(x, as: TensorBinding.luaClass)
                    if let y { inner.stack.push(y, as: TensorBinding.luaClass) } else { inner.stack.pushNil() }
                    return 2
                })
                return 1
            },
        ])
        cls.metamethod("__len") { call in
            guard let object = call.stack.object(at: 1, cls) else { return 0 }
            return call.returns(.integer(Int64(object.loader.batchCount)))
        }
        cls.metamethod("__tostring") { call in
            guard let object = call.stack.object(at: 1, cls) else { return 0 }
            let l = object.loader
            return call.returns(.string("DataLoader(\(l.x.shape[0]) rows, batch_size=\(l.batchSize), \(l.batchCount) batches\(l.shuffle ? ", shuffled" : ""))"))
        }
        return cls
    }()

    nonisolated(unsafe) static let dataFunctions: [LuaFunction] = [
        LuaFunction("data.loader", doc: """
            data.loader{x = X, y = Y, batch_size = 64, shuffle = false, seed = 0, drop_last = false} -> DataLoader
            Mini-batches of the rows of X (and the same rows of Y). Iterate with loader:batches();
            #loader is the number of batches per epoch. The same seed gives the same epochs.
            """) { call in
            let options = try call.table(1)
            let known = ["x", "y", "batch_size", "shuffle", "seed", "drop_last"]
            if let unknown = options.fields.keys.sorted().first(where: { !known.contains($0) }) {
                throw call.argumentError(1, "unknown option '\(unknown)' (known: \(known.joined(separator: ", ")))")
            }
            func tensor(_ key: String) throws -> Tensor? {
                let value = options[key]
                if value.isNil { return nil }
                call.stack.push(value)
                defer { call.stack.pop() }
                guard let t = call.stack.object(at: -1, TensorBinding.luaClass) else {
                    throw call.argumentError(1, "'\(key)' must be a Tensor, got \(value.typeName)")
                }
                return t
            }
            guard let x = try tensor("x") else { throw call.argumentError(1, "'x' is required") }
            let reader = try LuaOptions(options, function: "data.loader")
            let size = try reader.integer("batch_size", default: 64, in: 1...Int.max)
            let seed = try reader.integer("seed", default: 0, in: 0...Int.max)
            do {
                let loader = try DataLoader(x: x, y: try tensor("y"), batchSize: size,
                                            shuffle: try reader.boolean("shuffle", default: false),
                                            dropLast: try reader.boolean("drop_last", default: false), seed: UInt64(seed))
                call.stack.push(LoaderObject(loader), as: loaderClass)
                return 1
            } catch let error as NNError {
                throw LuaRuntimeError(error.description, named: false)
            }
        },
        csvFunction("data.csv"),
    ]

    /// `data.csv`, also bound as `tensor.load_csv`.
    static func csvFunction(_ name: String) -> LuaFunction {
        LuaFunction(name, doc: """
            \(name)(path: string) -> Tensor, header
            Reads a CSV file of numbers into a [rows, columns] tensor; a first line that is not numbers
            is returned as the header (a list of names), else header is nil.
            """) { call in
            let path = try call.string(1)
            do {
                let (tensor, header) = try loadCSV(path)
                call.stack.push(tensor, as: TensorBinding.luaClass)
                call.stack.push(header.map { LuaValue.table(LuaTableValue(array: $0.map { .string($0) })) } ?? .nil)
                return 2
            } catch let error as NNError {
                // The library says `load_csv: ...`; the user called `name`.
                let message = error.description
                throw LuaRuntimeError(message.hasPrefix("load_csv: ") ? String(message.dropFirst(10)) : message)
            }
        }
    }
}
