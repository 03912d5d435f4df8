import Alerting
import Foundation
import Telemetry

/// The same payload appended to a file as one JSON line, fsynced before it counts as delivered.
struct FileSink: NotificationSink {
    var path: String
    var externalURL: String

    func deliver(_ notification: AlertNotification) -> DeliveryOutcome {
        guard var line = try? WebhookPayload(notification, externalURL: externalURL).jsonData() else {
            return .rejected("the payload could not be encoded")
        }
        line.append(UInt8(ascii: "\n"))
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return .retry("cannot open \(path): \(String(cString: strerror(errno)))", afterMs: nil) }
        defer { close(fd) }
        // One write of the whole line: O_APPEND keeps concurrent writers' lines whole.
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { return .retry("cannot write \(path): \(String(cString: strerror(errno)))", afterMs: nil) }
        guard fsync(fd) == 0 else { return .retry("cannot sync \(path): \(String(cString: strerror(errno)))", afterMs: nil) }
        return .delivered
    }
}

/// One line per notification on standard output, for a terminal or a journal.
struct ConsoleSink: NotificationSink {
    func deliver(_ notification: AlertNotification) -> DeliveryOutcome {
        let names = notification.alerts.map { $0.labels["alertname"] ?? $0.fingerprint.description }
        let line = "[\(notification.receiver)] \(notification.status.rawValue.uppercased()) \(notification.groupKey): "
            + "\(notification.alerts.count) alert(s) \(names.joined(separator: ", "))\n"
        FileHandle.standardOutput.write(Data(line.utf8))
        return .delivered
    }
}

/// The webhook payload as JSON on a command's standard input; exit status 0
/// means delivered. Runs without a shell; needs the `exec` permission.
struct CommandSink: NotificationSink {
    var argv: [String]
    var timeout: Double
    var externalURL: String

    func deliver(_ notification: AlertNotification) -> DeliveryOutcome {
        guard let body = try? WebhookPayload(notification, externalURL: externalURL).jsonData() else {
            return .rejected("the payload could not be encoded")
        }
        switch CommandRunner.run(argv[0], arguments: Array(argv.dropFirst()), input: body, timeout: timeout) {
        case .finished(let result) where result.exitCode == 0:
            return .delivered
        case .finished(let result):
            let tail = String(result.stderr.suffix(300)).trimmingCharacters(in: .whitespacesAndNewlines)
            return .retry("\(argv[0]) exited \(result.exitCode)" + (tail.isEmpty ? "" : ": \(tail)"), afterMs: nil)
        case .notFound(let name):
            return .retry("command not found: \(name)", afterMs: nil)
        case .timedOut:
            return .retry("\(argv[0]) did not finish within \(Int(timeout))s", afterMs: nil)
        case .launchFailed(let why):
            return .retry("\(argv[0]) could not start: \(why)", afterMs: nil)
        }
    }
}
