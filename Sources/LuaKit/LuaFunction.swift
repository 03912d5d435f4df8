import CLua
import CLuaShim

/// A Swift function callable from Lua. Its `name` (e.g. `plugins.info`)
/// prefixes every error it raises, and its `doc` is what `?name` shows.
public final class LuaFunction {
    /// The qualified name used in error messages.
    public let name: String
    /// Help text: first line a signature, then a description.
    public let doc: String
    /// The most arguments a call may pass, read from the doc's signature
    /// line (see LuaSignature); nil for `...` or when there is no doc.
    public let maxArguments: Int32?
    /// The typed parameters of the signature line (`range: duration`).
    let argumentChecks: [LuaArgumentCheck]
    /// The keys each options-table parameter names, by argument position.
    let optionKeys: [Int32: [String]]
    let body: (LuaCall) throws -> Int32

    /// - Parameter body: reads its arguments from the `LuaCall`, pushes its
    ///   results and returns how many it pushed. Throwing raises a Lua error.
    ///   Calls with more arguments than the doc's signature line shows, or
    ///   with an argument not of the type it gives, are refused before it runs.
    public init(_ name: String, doc: String = "", _ body: @escaping (LuaCall) throws -> Int32) {
        self.name = name
        self.doc = doc
        let signature = LuaSignature(doc: doc, name: name)
        self.maxArguments = signature?.maxArguments.map { Int32(clamping: $0) }
        self.argumentChecks = LuaArgumentCheck.checks(for: signature)
        var optionKeys: [Int32: [String]] = [:]
        for (index, parameter) in (signature?.parameters ?? []).enumerated() {
            if let keys = parameter.optionKeys { optionKeys[Int32(index + 1)] = keys }
        }
        self.optionKeys = optionKeys
        self.body = body
    }

    /// The part of the name after the last dot or colon.
    public var shortName: String {
        String(name.split(whereSeparator: { $0 == "." || $0 == ":" }).last ?? Substring(name))
    }
}

/// Called by the C trampoline for every call of a Swift function. Errors
/// become a message on the stack and LUAKIT_ERROR; the C side raises it.
let luaKitDispatch: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = { L, box in
    guard let L, let box else { return 0 }
    let function = Unmanaged<LuaFunction>.fromOpaque(box).takeUnretainedValue()
    let call = LuaCall(L: L, function: function)
    do {
        if let maximum = function.maxArguments { try call.expectArguments(atMost: maximum) }
        for check in function.argumentChecks { try check.verify(call) }
        return try function.body(call)
    } catch let error as LuaError {
        // An error from Lua code called by this function: pass it on as is.
        lua_settop(L, 0)
        call.stack.push(error.message)
        return LUAKIT_RETHROW
    } catch let error as LuaArgumentError {
        lua_settop(L, 0)
        call.stack.push(error.description)
        return LUAKIT_ERROR
    } catch let error as LuaRuntimeError {
        lua_settop(L, 0)
        call.stack.push(error.named ? "\(function.name): \(error.message)" : error.message)
        return LUAKIT_ERROR
    } catch {
        lua_settop(L, 0)
        call.stack.push("\(function.name): \(error)")
        return LUAKIT_ERROR
    }
}

/// Releases the +1 reference that a Lua value held on a Swift object.
let luaKitRelease: @convention(c) (UnsafeMutableRawPointer?) -> Void = { box in
    guard let box else { return }
    Unmanaged<AnyObject>.fromOpaque(box).release()
}
