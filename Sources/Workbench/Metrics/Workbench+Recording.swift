import Foundation
import LuaKit
import MetricsStore
import PromQL
import Telemetry

/// What the shell collects goes into the store, as serve's collection does,
/// so that metrics.query, ranges and plots work in a fresh shell; and
/// `metrics.record{every = "15s"}` keeps collecting in the background.
extension Workbench {
    /// Stores a pass's samples (each collector's, with staleness markers for
    /// series that went away); returns why not when the store refused them.
    public func record(_ pass: CollectionPass) -> String? {
        guard options.recordsCollections else { return nil }
        do {
            let recorder = try shellRecorder ?? ReportRecorder(store: try metricsStore(), clock: collectorRunner.clock)
            shellRecorder = recorder
            for report in pass.reports { try recorder.record(report) }
            return nil
        } catch {
            return "samples not stored: \(error)"
        }
    }

    func recordingFunctions() -> [LuaFunction] {
        [
            LuaFunction("metrics.record", doc: """
                metrics.record([how: table|boolean]) -> boolean
                With {every = "15s"}, keeps collecting in the background every `every` (1s to 1d) into the store, until
                metrics.record(false) or the shell ends; returns whether it is now recording. The built-in
                collectors run there; Lua collector plugins run when the shell collects (:collect,
                metrics.collect), since the Lua state is the prompt's.
                """) { [unowned self] call in
                if call.argumentCount >= 1, case .boolean(false) = call.value(1) {
                    backgroundRecording?.stop()
                    backgroundRecording = nil
                    return call.returns(.boolean(false))
                }
                let options = try LuaOptions(call.optionalTable(1), function: "metrics.record", allowed: ["every"])
                let text = try options.optionalString("every") ?? "15s"
                guard let interval = parseDuration(text), (1_000...86_400_000).contains(interval) else {
                    throw options.error("every", "must be a duration from 1s to 1d such as \"15s\", got \"\(text)\"")
                }
                let builtins = collectorRunner.collectors.filter { !$0.runsOnCallingThread }
                let recorder = ReportRecorder(store: try metricsStore(), clock: collectorRunner.clock)
                backgroundRecording?.stop()
                backgroundRecording = BackgroundRecording(runner: CollectorRunner(collectors: builtins), recorder: recorder,
                                                          intervalMs: interval)
                return call.returns(.boolean(true))
            },
        ]
    }
}

/// A thread that runs the built-in collectors on an interval and stores
/// what they return, until stopped.
final class BackgroundRecording: @unchecked Sendable {
    private let stopped = DispatchSemaphore(value: 0)

    init(runner: CollectorRunner, recorder: ReportRecorder, intervalMs: Int64) {
        let thread = Thread { [stopped] in
            repeat {
                for report in runner.runPass().reports { try? recorder.record(report) }
            } while stopped.wait(timeout: .now() + .milliseconds(Int(intervalMs))) == .timedOut
        }
        thread.name = "opslab-record"
        thread.start()
    }

    func stop() { stopped.signal() }
}
