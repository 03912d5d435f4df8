import CLua
import CLuaShim

/// How a Swift class appears in Lua: a userdata type with its own metatable
/// holding methods, an `__index` fallback for properties and integer keys,
/// and any other metamethods (`__add`, `__len`, `__call`, `__tostring`, ...).
/// Instances are retained while Lua holds them and pushed with identity:
/// the same object always becomes the same Lua value.
/// Configure a class once, before the first `register`; it is read-only
/// afterwards, which is what makes sharing it between states safe. The class
/// object is the type: objects pushed with one LuaClass are not accepted
/// where another is expected, even one with the same name, so register one
/// class object per name in a state.
public final class LuaClass<Object: AnyObject>: @unchecked Sendable {
    /// The type name Lua shows (`__name`, error messages), and the type
    /// signature lines call it by (`m: Module`).
    public let name: String
    /// `name` as a C string that lives as long as the class. Its address is
    /// also the registry key of the class's metatable, which pushing and
    /// checking objects look up on every call.
    let cName: UnsafeMutablePointer<CChar>
    /// Runs around every method, the index fallback and each metamethod:
    /// where a binding turns its engine's errors into Lua's terms.
    let around: ((LuaCall, () throws -> Int32) throws -> Int32)?
    var methods: [LuaFunction] = []
    var metamethods: [String: LuaFunction] = [:]
    var indexFallback: LuaFunction?

    public init(_ name: String, around: ((LuaCall, () throws -> Int32) throws -> Int32)? = nil) {
        self.name = name
        self.around = around
        let bytes = name.utf8CString
        cName = .allocate(capacity: bytes.count)
        bytes.withUnsafeBufferPointer { cName.initialize(from: $0.baseAddress!, count: $0.count) }
    }

    deinit { cName.deallocate() }

    /// Adds methods called as `obj:name(...)`; argument 1 is the object.
    public func add(_ declared: [LuaMethod<Object>]) {
        for method in declared {
            methods.append(LuaFunction("\(name):\(method.name)", doc: method.doc) { [self] call in
                guard let object = call.optionalObject(1, self) else {
                    throw call.argumentError(1, "expected \(name) (call it as obj:\(method.name)(...)), got \(call.stack.typeName(at: 1))")
                }
                return try wrapped(call) { try method.body(call, object) }
            })
        }
    }

    /// The methods as functions of a module, `tensor.add(t, other)` for
    /// `t:add(other)`, documented with the object as a typed first parameter.
    /// - Parameter receiver: how argument 1 becomes the object when more
    ///   than objects of the class are accepted (`tensor.add(1, t)` reads
    ///   the number as a tensor), and the type that documents it.
    public func functions(module: String, from declared: [LuaMethod<Object>],
                          receiver: (type: String, read: (LuaCall, Int32) throws -> Object)? = nil) -> [LuaFunction] {
        let read = receiver?.read ?? { [self] call, position in try call.object(position, self) }
        return declared.map { method in
            LuaFunction("\(module).\(method.name)", doc: functionDoc(module: module, method, receiverType: receiver?.type ?? name)) { [self] call in
                try wrapped(call) { try method.body(call, try read(call, 1)) }
            }
        }
    }

    /// `t:add(other) -> Tensor` as `tensor.add(t: Tensor, other) -> Tensor`.
    private func functionDoc(module: String, _ method: LuaMethod<Object>, receiverType: String) -> String {
        guard let colon = method.doc.firstIndex(of: ":"),
              method.doc[method.doc.index(after: colon)...].hasPrefix(method.name + "(") else { return method.doc }
        let receiver = method.doc[..<colon]
        let rest = method.doc[method.doc.index(colon, offsetBy: method.name.count + 2)...]
        return "\(module).\(method.name)(\(receiver): \(receiverType)" + (rest.hasPrefix(")") ? "" : ", ") + rest
    }

    /// Handles keys that are not methods (`obj.field`, `obj[i]`). Arguments:
    /// 1 the object, 2 the key. Return 0 or push one value.
    public func index(_ body: @escaping (LuaCall, Object) throws -> Int32) {
        indexFallback = LuaFunction("\(name).__index") { [self] call in
            let object = try call.object(1, self)
            return try wrapped(call) { try body(call, object) }
        }
    }

    /// Sets a metamethod such as `__add` or `__tostring`. Operands arrive as
    /// Lua passes them: for binary operators either side may be the object.
    public func metamethod(_ event: String, _ body: @escaping (LuaCall) throws -> Int32) {
        metamethods[event] = LuaFunction("\(name).\(event)") { [self] call in try wrapped(call) { try body(call) } }
    }

    private func wrapped(_ call: LuaCall, _ body: () throws -> Int32) throws -> Int32 {
        guard let around else { return try body() }
        return try around(call, body)
    }

    /// Names of the methods, for completion.
    public var methodNames: [String] { methods.map(\.shortName) }
}

/// One method of a LuaClass as declared: `obj:name(...)`, its doc (first
/// line the signature, `t:sum([dims: integer|table [, keepdim: boolean]])`,
/// from which calls are checked) and a body that receives the object.
public struct LuaMethod<Object: AnyObject> {
    public let name: String
    public let doc: String
    let body: (LuaCall, Object) throws -> Int32

    public init(_ name: String, _ doc: String, _ body: @escaping (LuaCall, Object) throws -> Int32) {
        self.name = name
        self.doc = doc
        self.body = body
    }
}

extension LuaMethod where Object == AnyObject {
    /// A method of a class whose objects are of several Swift types that
    /// share a protocol (a `Module` is any Layer): the body gets the object
    /// as that protocol.
    public init<View>(_ name: String, as view: View.Type, _ doc: String, _ body: @escaping (LuaCall, View) throws -> Int32) {
        self.init(name, doc) { call, object in
            guard let viewed = object as? View else {
                throw call.typeError(1, expected: String(call.function.name.prefix { $0 != ":" }))
            }
            return try body(call, viewed)
        }
    }
}

extension LuaState {
    /// Makes the class's metatable available; call once before pushing
    /// objects of that class.
    public func register<Object>(_ cls: LuaClass<Object>) {
        LuaArgumentTypes.registerClass(named: cls.name)
        let s = stack
        lua_createtable(L, 0, Int32(cls.methods.count))
        for method in cls.methods {
            s.push(method)
            lua_setfield(L, -2, method.shortName)
        }
        if let fallback = cls.indexFallback { s.push(fallback) } else { lua_pushnil(L) }
        luakit_new_class_metatable(L, cls.cName, -2, cls.indexFallback == nil ? 0 : -1)
        // Kept for introspection (completion of methods after `:`).
        lua_pushvalue(L, -3)
        lua_setfield(L, -2, "__methods")
        for (event, function) in cls.metamethods {
            s.push(function)
            lua_setfield(L, -2, event)
        }
        lua_settop(L, lua_gettop(L) - 3)
    }
}

extension LuaStack {
    /// Pops a table and makes it the metatable of the table at `index`
    /// (an index counted with the metatable on the stack).
    public func setMetatable(of index: Int32) {
        let target = lua_absindex(L, index)
        guard lua_type(L, -1) == LUA_TTABLE, lua_type(L, target) == LUA_TTABLE else { return pop() }
        lua_setmetatable(L, target)
    }

    /// Pushes `object` as an instance of `cls` (registered beforehand): the
    /// Lua value that already stands for it, or a new one. Returns whether
    /// it made a new one.
    @discardableResult
    public func push<Object>(_ object: Object, as cls: LuaClass<Object>) -> Bool {
        luakit_push_object(L, Unmanaged.passRetained(object).toOpaque(), cls.cName) != 0
    }

    /// Pushes `object` as an instance of `cls`, for results a function has
    /// just made and hands over. When the caller's reference was the only
    /// one, no Lua value can exist for the object yet, so the identity
    /// cache is not searched (and is filled only if Swift reads the object
    /// back); otherwise this is `push(_:as:)`. Returns whether it made a
    /// new Lua value.
    @discardableResult
    public func push<Object>(new object: consuming Object, as cls: LuaClass<Object>) -> Bool {
        var object = object
        if isKnownUniquelyReferenced(&object) {
            luakit_push_new_object(L, Unmanaged.passRetained(object).toOpaque(), cls.cName)
            return true
        }
        return push(object, as: cls)
    }
}
