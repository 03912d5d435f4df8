// A recording rule: evaluates its expression and writes the result under
// a new metric name, with the rule's labels set (a label set to "" is
// removed, as in Prometheus).

import Foundation
import PromQL
import Telemetry

public final class RecordingRule: @unchecked Sendable {
    public let definition: RuleDefinition
    private let lock = NSLock()
    private var status = RuleStatus()

    /// Made by RuleGroup, which picks the class by the rule's kind.
    init(_ definition: RuleDefinition) {
        assert(definition.kind == .recording)
        self.definition = definition
    }

    public var name: String { definition.name }
    public var lastStatus: RuleStatus { lock.withLock { status } }
    func record(_ update: RuleStatus) { lock.withLock { status = update } }

    /// The series to write at `ts`.
    func evaluate(at ts: Int64, context: RuleContext, limit: Int) throws -> [VectorElement] {
        let vector = try context.query(definition.expression, at: ts)
        var seen = Set<Labels>()
        var output: [VectorElement] = []
        output.reserveCapacity(vector.count)
        for sample in vector {
            var labels = sample.labels.dictionary
            labels["__name__"] = definition.name
            for (name, value) in definition.labels { labels[name] = value.isEmpty ? nil : value }
            let identity = Labels(labels)
            guard seen.insert(identity).inserted else {
                throw RuleError("vector contains metrics with the same labelset after applying rule labels")
            }
            output.append((identity, sample.value))
        }
        if limit > 0, output.count > limit {
            throw RuleError("exceeded limit of \(limit) with \(output.count) series")
        }
        return output
    }
}
