import Alerting
import Foundation
import Logging
import Runbooks
import Telemetry

/// Alerts that start runbooks in `opslab serve`: a firing alert whose rule
/// has a `runbook` annotation (and optionally `runbook_params`, "name=value"
/// words, templated like any annotation) starts that runbook, when serve
/// was told `--allow-runbook NAME`. A runbook never runs twice at once, and
/// after it starts it waits out the cooldown before an alert can start it
/// again (alerts are handed over again on every resend while they fire).
///
/// Each run is its own process, `opslab runbook run NAME --yes --alert FP`,
/// so a runbook that blocks cannot stall rule evaluation and a crash stays
/// in it; its lines go to serve's log. The trigger is audited with the
/// alert's fingerprint, and so is the run's start.
final class RunbookTrigger: AlertSender, @unchecked Sendable {
    private let allowed: Set<String>
    private let cooldownMs: Int64
    private let audit: AuditLog
    private let logger: Logger
    private let executable: String
    private let lock = NSLock()
    private var running: Set<String> = []
    private var lastStart: [String: Int64] = [:]
    /// Alerts handed over with a runbook annotation, by runbook and what came of them.
    private var outcomes: [String: [String: Int]] = [:]

    init(allowed: [String], cooldownMs: Int64, audit: AuditLog, logger: Logger) {
        self.allowed = Set(allowed)
        self.cooldownMs = cooldownMs
        self.audit = audit
        self.logger = logger
        executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    func send(_ alerts: [PostableAlert]) {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for alert in alerts {
            guard let name = alert.annotations["runbook"], !name.isEmpty,
                  let ends = RFC3339.parse(alert.endsAt), ends > now else { continue }
            let fingerprint = AlertFingerprint(labels: alert.labels).description
            guard allowed.contains(name) else {
                if count(name, "not_allowed") == 1 {
                    logger.warning("an alert names a runbook serve may not start; pass --allow-runbook to allow it",
                                   metadata: ["runbook": "\(name)", "alert": "\(fingerprint)"])
                }
                continue
            }
            let parameters: [String]
            do { parameters = try Self.parameters(alert.annotations["runbook_params"] ?? "") } catch {
                count(name, "bad_params")
                logger.error("runbook_params cannot be read", metadata: ["runbook": "\(name)", "error": "\(error)"])
                continue
            }
            let claim: String? = lock.withLock {
                if running.contains(name) { return "running" }
                if let last = lastStart[name], now - last < cooldownMs { return "cooldown" }
                running.insert(name)
                lastStart[name] = now
                return nil
            }
            if let claim {
                count(name, claim)
                continue
            }
            start(name, parameters: parameters, fingerprint: fingerprint, alertname: alert.labels["alertname"] ?? "")
        }
    }

    private func start(_ name: String, parameters: [String], fingerprint: String, alertname: String) {
        do {
            try audit.append(action: "runbook.trigger", subject: name,
                             detail: ["alert": fingerprint, "alertname": alertname, "params": parameters.joined(separator: " ")])
        } catch {
            lock.withLock { _ = running.remove(name) }
            count(name, "unaudited")
            logger.error("not starting a runbook unaudited", metadata: ["runbook": "\(name)", "error": "\(error)"])
            return
        }
        count(name, "started")
        logger.info("alert starts runbook", metadata: ["runbook": "\(name)", "alert": "\(fingerprint)", "alertname": "\(alertname)"])
        let argv = [executable, "runbook", "run", name, "--yes", "--alert", fingerprint] + parameters.flatMap { ["--param", $0] }
        Thread { [self] in
            var lines = [OutputStream.stdout: LineBuffer(), .stderr: LineBuffer()]
            let code: Int32
            do {
                code = try ProcessRunner.run(ProcessRequest(argv: argv)) { stream, chunk in
                    for line in lines[stream, default: LineBuffer()].add(chunk) {
                        logger.info("runbook output", metadata: ["runbook": "\(name)", "line": "\(line)"])
                    }
                }.exitCode
            } catch {
                code = 127
                logger.error("runbook did not start", metadata: ["runbook": "\(name)", "error": "\(error)"])
            }
            lock.withLock { _ = running.remove(name) }
            logger.info("runbook finished", metadata: ["runbook": "\(name)", "alert": "\(fingerprint)", "exit_code": "\(code)"])
        }.start()
    }

    /// Counts an outcome; returns the new count.
    @discardableResult
    private func count(_ runbook: String, _ outcome: String) -> Int {
        lock.withLock {
            outcomes[runbook, default: [:]][outcome, default: 0] += 1
            return outcomes[runbook]?[outcome] ?? 0
        }
    }

    /// `runbook_params`: whitespace-separated name=value words.
    static func parameters(_ text: String) throws -> [String] {
        try text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map { word in
            guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                throw StepFailure("runbook_params expects name=value words, got \"\(word)\"")
            }
            return String(word)
        }
    }

    func exposition() -> String {
        let snapshot = lock.withLock { outcomes }
        guard !snapshot.isEmpty else { return "" }
        var text = "# HELP opslab_runbook_triggers_total Firing alerts naming a runbook, by what came of them.\n"
        text += "# TYPE opslab_runbook_triggers_total counter\n"
        for (runbook, counts) in snapshot.sorted(by: { $0.key < $1.key }) {
            for (outcome, n) in counts.sorted(by: { $0.key < $1.key }) {
                text += "opslab_runbook_triggers_total{outcome=\"\(outcome)\",runbook=\"\(PrometheusText.escapeLabelValue(runbook))\"} \(n)\n"
            }
        }
        return text
    }
}
