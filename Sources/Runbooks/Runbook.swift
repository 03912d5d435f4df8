/// Why a runbook could not be loaded, checked or run.
public enum RunbookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A parameter value or declaration is wrong: its name and what is wrong.
    case parameter(String, String)
    /// The runbook itself is malformed (no steps, a duplicate step name, ...).
    case definition(String)
    /// --from or --only named a step the runbook does not have.
    case unknownStep(String, known: [String])

    public var description: String {
        switch self {
        case .parameter(let name, let problem): return "param '\(name)' \(problem)"
        case .definition(let problem): return problem
        case .unknownStep(let name, let known): return "no step named \"\(name)\" (steps: \(known.joined(separator: ", ")))"
        }
    }
}

/// One step of a runbook, as the runner schedules it; what it does lives
/// with whoever supplies `RunbookActions`.
public struct RunbookStep: Sendable, Equatable {
    public var name: String
    /// Seconds one attempt may take.
    public var timeout: Double?
    /// Attempts after the first one fails.
    public var retries: Int
    /// Its commands only look: they run in a dry run too.
    public var readonly: Bool
    public var hasUndo: Bool

    public init(name: String, timeout: Double? = nil, retries: Int = 0, readonly: Bool = false, hasUndo: Bool = false) {
        self.name = name
        self.timeout = timeout
        self.retries = retries
        self.readonly = readonly
        self.hasUndo = hasUndo
    }
}

/// A runbook's checked shape: what it takes and the steps it runs in order.
public struct Runbook: Sendable, Equatable {
    public var name: String
    public var version: String
    public var description: String
    /// It changes the machine: a run needs --yes or a confirmation.
    public var mutates: Bool
    public var parameters: [RunbookParameter]
    public var steps: [RunbookStep]

    /// Refuses a runbook without steps or with two steps of one name.
    public init(name: String, version: String, description: String, mutates: Bool,
                parameters: [RunbookParameter], steps: [RunbookStep]) throws(RunbookError) {
        guard !steps.isEmpty else { throw .definition("runbook '\(name)' has no steps") }
        var seen = Set<String>()
        for step in steps {
            guard !step.name.isEmpty else { throw .definition("runbook '\(name)': a step has an empty name") }
            guard seen.insert(step.name).inserted else {
                throw .definition("runbook '\(name)': two steps are named \"\(step.name)\"")
            }
        }
        self.name = name
        self.version = version
        self.description = description
        self.mutates = mutates
        self.parameters = parameters.sorted { $0.name < $1.name }
        self.steps = steps
    }

    /// The indices of the steps a run executes: all of them, only `only`,
    /// or those from `from` on. Resuming at `from` runs the readonly steps
    /// before it again: they only look, and what they found is what the
    /// later steps read from ctx.state.
    public func plan(from: String? = nil, only: String? = nil) throws(RunbookError) -> [Int] {
        func index(_ name: String) throws(RunbookError) -> Int {
            guard let i = steps.firstIndex(where: { $0.name == name }) else {
                throw .unknownStep(name, known: steps.map(\.name))
            }
            return i
        }
        if from != nil && only != nil { throw .definition("--from and --only cannot be given together") }
        if let only { return [try index(only)] }
        if let from {
            let start = try index(from)
            return steps.indices.filter { $0 >= start || steps[$0].readonly }
        }
        return Array(steps.indices)
    }
}
