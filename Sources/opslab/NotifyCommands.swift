import Alerting
import ArgumentParser
import Foundation
import Notifications
import PromQL
import Workbench

/// `$OPSLAB_HOME/opslab.db`, where serve --notify keeps its outbox and silences.
private var databasePath: String {
    WorkbenchPaths.standard(environment: ProcessInfo.processInfo.environment, executable: CommandLine.arguments[0]).database
}

/// The outbox, created when needed.
private func openOutbox() throws -> NotificationOutbox {
    try FileManager.default.createDirectory(atPath: (databasePath as NSString).deletingLastPathComponent,
                                            withIntermediateDirectories: true)
    return try NotificationOutbox(path: databasePath)
}

/// The outbox when that database exists; nil when nothing has been stored there yet.
func existingOutbox() throws -> NotificationOutbox? {
    FileManager.default.fileExists(atPath: databasePath) ? try NotificationOutbox(path: databasePath) : nil
}

func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1_000) }

extension AlertsCommand {
    /// `opslab alerts outbox`
    struct Outbox: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the notifications serve --notify has not delivered yet, and the dead letters.",
            discussion: """
                Every notification is stored in the outbox ($OPSLAB_HOME/opslab.db) before it is attempted and removed once its sink confirmed it. A failed attempt is retried with exponential backoff and jitter; after serve's --notify-max-attempts, or at once when the receiver refuses it for good (an HTTP 4xx other than 429), it is a dead letter, kept until retried.
                """)

        @Flag(help: "Make every dead letter pending again; a running serve sends them within a second.")
        var retryDead = false

        func run() throws {
            let outbox = try openOutbox()
            if retryDead {
                print("\(try outbox.retryDead(now: nowMs())) dead letter(s) queued again")
                return
            }
            let entries = try outbox.entries()
            if entries.isEmpty {
                print("the outbox is empty")
                return
            }
            let now = nowMs()
            for entry in entries {
                let state = entry.dead ? "dead" : (entry.attempts == 0 ? "pending" : "retrying in \(max(0, entry.nextAttemptAt - now) / 1000)s")
                print("\(entry.id)\t\(entry.notification.integration)\t\(state)\tattempts \(entry.attempts)\t\(entry.notification.status.rawValue) \(entry.notification.alerts.count) alert(s)\t\(entry.notification.groupKey)")
                if let error = entry.lastError { print("\tlast error: \(error)") }
            }
        }
    }

    /// `opslab alerts notify-test RECEIVER`
    struct NotifyTest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "notify-test",
            abstract: "Send a test notification through every sink of one receiver, now, and say how each went.",
            discussion: """
                The notification is built as serve --notify builds one (the same payload and group key), for one firing alert with the labels given (default alertname=TestAlert), and goes straight to the receiver's sinks, past routing, silences and the outbox. Exit 0 when every sink confirmed it, 1 otherwise.
                """)

        @Option(help: ArgumentHelp("An Alertmanager configuration (alertmanager.yml).", valueName: "file"))
        var config: String

        @Argument(help: ArgumentHelp("The receiver to test.", valueName: "receiver"))
        var receiver: String

        @Argument(help: ArgumentHelp("The test alert's labels.", valueName: "label=value"))
        var labels: [String] = []

        @Option(name: .customLong("annotation"), help: ArgumentHelp("An annotation of the test alert (repeatable).", valueName: "name=value"))
        var annotations: [String] = []

        @Option(help: ArgumentHelp("Per-attempt limit in seconds.", valueName: "seconds"))
        var timeout: Double = 10

        @Option(help: ArgumentHelp("The URL payloads link back to.", valueName: "url"))
        var externalURL = "http://localhost:9464"

        func run() throws {
            guard timeout.isFinite, timeout > 0, timeout <= 3_600 else {
                throw ValidationError("--timeout expects seconds between 0 and 3600, got \(timeout)")
            }
            let alertLabels = try pairs(labels, "label").merging(["alertname": "TestAlert"]) { given, _ in given }
            let alertAnnotations = try pairs(annotations, "--annotation")
            let workbench = try Session(interruptsLua: false).workbench()
            let parsed: AlertmanagerConfig
            let sinks: [IntegrationRef: any NotificationSink]
            do {
                parsed = try AlertmanagerConfig.load(path: config)
                sinks = try SinkFactory(file: config, externalURL: externalURL, timeout: timeout, userAgent: "opslab/\(Workbench.version)")
                    .sinks(for: parsed) { name, options in workbench.pluginSink(named: name, options: options, externalURL: externalURL) }
            } catch {
                writeStandardError("\(error)\n")
                throw ExitCode(1)
            }
            guard parsed.receivers.contains(where: { $0.name == receiver }) else {
                writeStandardError("no receiver \"\(receiver)\" in \(config) (receivers: \(parsed.receivers.map(\.name).joined(separator: ", ")))\n")
                throw ExitCode(1)
            }
            let refs = sinks.keys.filter { $0.receiver == receiver }.sorted()
            guard !refs.isEmpty else {
                print("receiver \(receiver) has no integrations: its notifications go nowhere")
                return
            }
            let route = parsed.route.match(alertLabels).first { $0.receiver == receiver }
            var failed = false
            for ref in refs {
                let notification = AlertNotification.test(integration: ref, groupKey: route?.groupKey ?? "{}:{}",
                                                          groupLabels: route?.groupLabels ?? [:], labels: alertLabels,
                                                          annotations: alertAnnotations, now: nowMs())
                switch sinks[ref]?.deliver(notification) {
                case .delivered?: print("\(ref)\tdelivered")
                case .retry(let why, _)?: print("\(ref)\tfailed (would be retried): \(why)"); failed = true
                case .rejected(let why)?: print("\(ref)\trefused (would be a dead letter): \(why)"); failed = true
                case nil: break
                }
            }
            if failed { throw ExitCode(1) }
        }

        private func pairs(_ texts: [String], _ what: String) throws -> [String: String] {
            var result: [String: String] = [:]
            for text in texts {
                guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                    throw ValidationError("\(what) expects name=value, got \"\(text)\"")
                }
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            return result
        }
    }

    /// `opslab alerts silence add|list|expire`
    struct Silence: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add, list and expire the silences serve --notify honours.",
            subcommands: [Add.self, List.self, Expire.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Silence the alerts that match every matcher; prints the silence's id.",
                discussion: "Matchers are written as amtool takes them: alertname=DiskFull 'instance=~\"db-.*\"'. A running serve honours the silence within a second.")

            @Argument(help: ArgumentHelp("Label matchers (=, !=, =~, !~).", valueName: "matcher"))
            var matchers: [String]

            @Option(help: ArgumentHelp("How long from now (or from --start) it lasts.", valueName: "duration"))
            var duration = "1h"

            @Option(help: ArgumentHelp("When it starts, RFC 3339 (default: now).", valueName: "time"))
            var start: String?

            @Option(help: ArgumentHelp("Who silences.", valueName: "name"))
            var author = ProcessInfo.processInfo.environment["USER"] ?? "opslab"

            @Option(help: ArgumentHelp("Why (required).", valueName: "text"))
            var comment: String

            func run() throws {
                let now = nowMs()
                guard let length = parseDuration(duration), length > 0 else {
                    throw ValidationError("--duration expects a duration such as 2h or 30m, got \"\(duration)\"")
                }
                var startsAt = now
                if let start {
                    guard let parsed = RFC3339.parse(start) else {
                        throw ValidationError("--start expects an RFC 3339 time such as 2026-12-05T18:00:00Z, got \"\(start)\"")
                    }
                    startsAt = parsed
                }
                guard !comment.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--comment must not be empty") }
                let (end, overflow) = startsAt.addingReportingOverflow(length)
                guard !overflow else { throw ValidationError("--duration is too long") }
                do {
                    let silence = try Alerting.Silence(matchers: matchers.joined(separator: ", "), startsAt: startsAt, endsAt: end,
                                                       createdBy: author, comment: comment)
                    print(try SilenceStore(outbox: try openOutbox()).add(silence, now: now))
                } catch let error as SilenceError {
                    writeStandardError("opslab alerts silence add: \(error)\n")
                    throw ExitCode(1)
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List silences: active, then pending, then expired.")

            @Flag(help: "Include expired silences.")
            var expired = false

            @Flag(help: "Print the API v2 JSON (GettableSilences).")
            var json = false

            func run() throws {
                let now = nowMs()
                let listed = try SilenceStore(outbox: try openOutbox()).list(at: now).filter { expired || $0.state != .expired }
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                    encoder.userInfo[Alerting.Silence.stateTimeKey] = now
                    print(String(decoding: try encoder.encode(listed.map(\.silence)), as: UTF8.self))
                    return
                }
                for (silence, state) in listed {
                    let matchers = silence.matchers.map(\.description).joined(separator: ", ")
                    print("\(silence.id)\t\(state.rawValue)\t{\(matchers)}\t\(RFC3339.withMilliseconds(silence.startsAt)) .. \(RFC3339.withMilliseconds(silence.endsAt))\t\(silence.createdBy)\t\(silence.comment)")
                }
            }
        }

        struct Expire: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Expire silences by id.")

            @Argument(help: ArgumentHelp("Silence ids.", valueName: "id"))
            var ids: [String]

            func run() throws {
                let store = SilenceStore(outbox: try openOutbox())
                var failed = false
                for id in ids {
                    do { try store.expire(id: id, now: nowMs()) } catch let error as SilenceError {
                        writeStandardError("opslab alerts silence expire: \(error)\n")
                        failed = true
                    }
                }
                if failed { throw ExitCode(1) }
            }
        }
    }
}
