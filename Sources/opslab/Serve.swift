import Alerting
import ArgumentParser
import Foundation
import Hummingbird
import Logging
import LuaKit
import MetricsStore
import Notifications
import Plugins
import PromQL
import Telemetry
import Workbench

/// `opslab serve`: the long-running agent behind a fleet's Prometheus.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the collectors on schedule and serve /metrics for Prometheus.",
        discussion: """
            Endpoints: /metrics (Prometheus text format 0.0.4), /healthz (the process is up), /-/ready (the first collection pass is done), POST /-/reload (read the rule files again). SIGTERM or SIGINT stops the server cleanly; SIGHUP reloads the rule files.

            Alerts: with --alertmanager (repeatable), firing alerts are posted to each Alertmanager's API v2 when they start firing and again every --resend-delay, and resolved ones once when they resolve, with external labels added, as Prometheus sends them.

            Notifications: with --notify FILE (an alertmanager.yml), serve routes, groups, inhibits, silences and delivers alerts itself, as Alertmanager 0.25 does: webhook_configs, and opslab_configs naming a built-in sink (webhook, file, console, command, alertmanager) or a Lua sink plugin. Every notification is written to the outbox in $OPSLAB_HOME/opslab.db before it is attempted and leaves it only once delivered; failures are retried with backoff and become dead letters after --notify-max-attempts (see `opslab alerts outbox`). Silences come from `opslab alerts silence`. Serve then also takes alerts as an Alertmanager does, on POST /api/v2/alerts, so a Prometheus can use it as its Alertmanager.

            Rules: --rules takes Prometheus rule files (repeatable; globs). Groups are evaluated on their interval (default --evaluation-interval) against the store that serve writes; recording rules and the ALERTS and ALERTS_FOR_STATE series are written to it, so metrics.query("ALERTS") works in the shell. After a restart, alerts take back their state from ALERTS_FOR_STATE: a firing alert fires again with its original activeAt, a pending one keeps its progress towards `for`. A rule file that fails to load on reload keeps its previous rules.

            Runbooks: a firing alert whose rule has a `runbook` annotation (and `runbook_params`, name=value words) starts that runbook as `opslab runbook run NAME --yes`, in a process of its own, when serve was started with --allow-runbook NAME; never twice at once, and not again within --runbook-cooldown of its last start. The trigger and the run are audited with the alert's fingerprint; the run's lines go to serve's log.

            The config file is Lua, run in the workbench before collection starts; it can configure collectors (metrics.configure("checkpoint_dir", {dir = "/ckpt"})) and load plugins. See the README for a systemd unit.
            """)

    @Option(help: ArgumentHelp("Address and port to listen on.", valueName: "host:port"))
    var listen = "127.0.0.1:9464"

    @Option(help: ArgumentHelp("A Lua file run before collection starts.", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel = "info"

    @Option(help: ArgumentHelp("How long samples stay in the store ($OPSLAB_HOME/opslab.db).", valueName: "duration"))
    var retention = "15d"

    @Flag(help: "Do not run ~/.config/opslab/init.lua.")
    var noInit = false

    @Option(help: ArgumentHelp("A Prometheus rule file to evaluate (repeatable; globs allowed).", valueName: "file"))
    var rules: [String] = []

    @Option(help: ArgumentHelp("How often rule groups without an interval are evaluated.", valueName: "duration"))
    var evaluationInterval = "1m"

    @Option(help: ArgumentHelp("The URL alert templates see as $externalURL.", valueName: "url"))
    var externalURL = ""

    @Option(help: ArgumentHelp("A label templates see in $externalLabels and sent alerts carry (repeatable).", valueName: "name=value"))
    var externalLabel: [String] = []

    @Option(help: ArgumentHelp("An Alertmanager to send firing and resolved alerts to, through its API v2 (repeatable).", valueName: "url"))
    var alertmanager: [String] = []

    @Option(help: ArgumentHelp("How often a firing alert is sent again.", valueName: "duration"))
    var resendDelay = "1m"

    @Option(help: ArgumentHelp("An Alertmanager configuration whose routes, inhibitions and receivers serve applies itself.", valueName: "alertmanager.yml"))
    var notify: String?

    @Option(help: ArgumentHelp("Seconds one delivery attempt may take.", valueName: "seconds"))
    var notifyTimeout: Double = 10

    @Option(help: ArgumentHelp("Failed attempts after which a notification becomes a dead letter.", valueName: "n"))
    var notifyMaxAttempts = 100

    @Option(help: ArgumentHelp("A runbook that firing alerts may start through their runbook annotation (repeatable).", valueName: "name"))
    var allowRunbook: [String] = []

    @Option(help: ArgumentHelp("How long after a runbook started before an alert may start it again.", valueName: "duration"))
    var runbookCooldown = "10m"

    func validate() throws {
        _ = try ListenAddress(listen)
        guard Duration.parse(retention) != nil else {
            throw ValidationError("--retention expects a duration such as 15d or 12h, got \"\(retention)\"")
        }
        guard let interval = parseDuration(evaluationInterval), interval >= 1000 else {
            throw ValidationError("--evaluation-interval expects a duration of at least 1s such as 1m or 30s, got \"\(evaluationInterval)\"")
        }
        for url in alertmanager {
            guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil else {
                throw ValidationError("--alertmanager expects a URL such as http://127.0.0.1:9093, got \"\(url)\"")
            }
        }
        guard let resend = parseDuration(resendDelay), resend >= 1_000 else {
            throw ValidationError("--resend-delay expects a duration of at least 1s such as 1m, got \"\(resendDelay)\"")
        }
        for pair in externalLabel where !pair.contains("=") || pair.hasPrefix("=") {
            throw ValidationError("--external-label expects name=value, got \"\(pair)\"")
        }
        guard notifyTimeout.isFinite, notifyTimeout > 0, notifyTimeout <= 3_600 else {
            throw ValidationError("--notify-timeout expects seconds between 0 and 3600, got \(notifyTimeout)")
        }
        guard (1...1_000_000).contains(notifyMaxAttempts) else {
            throw ValidationError("--notify-max-attempts expects a whole number from 1 to 1000000, got \(notifyMaxAttempts)")
        }
        guard parseDuration(runbookCooldown) != nil else {
            throw ValidationError("--runbook-cooldown expects a duration such as 10m or 0s, got \"\(runbookCooldown)\"")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical; got \"\(logLevel)\"")
        }
    }

    func run() async throws {
        let address = try ListenAddress(listen)
        let logger = {
            var logger = Logger(label: "opslab.serve")
            logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
            return logger
        }()

        let session = try Session(interruptsLua: false)
        let workbench = try session.workbench()
        if !noInit { try session.report { try workbench.runInitScript() } }
        if let config {
            try session.report { try workbench.runScript(path: config, arguments: []) }
        }
        for problem in workbench.registry.problems {
            logger.warning("plugin not loaded", metadata: ["problem": "\(problem)"])
        }
        let store = try workbench.metricsStore()
        // Series a collector stops reporting get staleness markers, as
        // Prometheus writes for a target's vanished series.
        let recorder = ReportRecorder(store: store, clock: workbench.collectorRunner.clock)
        let agent = CollectionAgent(workbench: workbench) { [logger] report in
            do {
                try recorder.record(report)
            } catch {
                logger.warning("samples not stored", metadata: ["collector": "\(report.collector)", "error": "\(error)"])
            }
            switch report.status {
            case .ok, .skipped: break
            case .timedOut:
                logger.warning("collector timed out", metadata: ["collector": "\(report.collector)"])
            case .failed(let why), .malformed(let why):
                logger.warning("collector failed", metadata: ["collector": "\(report.collector)", "error": "\(why)"])
            }
        }
        let retentionMs = (Duration.parse(retention) ?? .seconds(15 * 86400)).totalMilliseconds
        let maintenance = Task.detached { [logger] in
            // Close head samples into compressed chunks and drop expired data
            // every five minutes; readers are never blocked (WAL).
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(300))
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                do {
                    try store.compact(before: now - 600_000)
                    try store.applyRetention(retentionMs, nowMs: now)
                } catch {
                    logger.warning("store maintenance failed", metadata: ["error": "\(error)"])
                }
            }
        }
        defer { maintenance.cancel() }
        let ruleRunner = RuleRunner(workbench: workbench, store: store, logger: logger,
                                        defaultIntervalMs: parseDuration(evaluationInterval) ?? 60_000,
                                        externalLabels: Dictionary(externalLabel.map { pair in
                                            let parts = pair.split(separator: "=", maxSplits: 1)
                                            return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
                                        }, uniquingKeysWith: { $1 }),
                                        externalURL: externalURL)
        if !rules.isEmpty { ruleRunner.load(rules) }
        if !alertmanager.isEmpty {
            let notifier = AlertmanagerNotifier(urls: alertmanager.compactMap(URL.init(string:)), logger: logger)
            notifier.start()
            ruleRunner.alertSenders.append(notifier)
            ruleRunner.resendDelayMs = parseDuration(resendDelay) ?? 60_000
        }
        let notifier = try notify.map { try startNotifier(config: $0, workbench: workbench, logger: logger) }
        if let notifier {
            ruleRunner.alertSenders.append(notifier)
            ruleRunner.resendDelayMs = parseDuration(resendDelay) ?? 60_000
        }
        if !allowRunbook.isEmpty {
            ruleRunner.alertSenders.append(RunbookTrigger(allowed: allowRunbook, cooldownMs: parseDuration(runbookCooldown) ?? 600_000,
                                                          audit: workbench.openAuditLog(), logger: logger))
            ruleRunner.resendDelayMs = parseDuration(resendDelay) ?? 60_000
        }
        let ruleTask = ruleRunner.start()
        defer { ruleTask.cancel() }
        let pluginWatcher = PluginWatcher(workbench: workbench, logger: logger)
        pluginWatcher.start()
        defer { pluginWatcher.stop() }
        let server = MetricsServer(agent: agent, rules: ruleRunner, notifier: notifier, address: address, logger: logger)
        do {
            try await server.run {
                logger.info("serving", metadata: ["address": "http://\(address)/metrics",
                                                  "collectors": "\(agent.runner.collectors.count)"])
                agent.start()
            }
        } catch let error as MetricsServer.BindError {
            agent.stop()
            writeStandardError("opslab serve: \(error)\n")
            throw ExitCode(1)
        }
        agent.stop()
        logger.info("stopped")
    }
}

extension Serve {
    /// Reads the Alertmanager configuration, builds its sinks and starts the
    /// embedded notifier on the workbench's database; a configuration
    /// problem stops serve with the field and line.
    func startNotifier(config path: String, workbench: Workbench, logger: Logger) throws -> Notifier {
        do {
            let config = try AlertmanagerConfig.load(path: path)
            let sinks = try SinkFactory(file: path, externalURL: externalURL, timeout: notifyTimeout,
                                        userAgent: "opslab/\(Workbench.version)").sinks(for: config) { name, options in
                workbench.pluginSink(named: name, options: options, externalURL: externalURL)
            }
            let outbox = try NotificationOutbox(path: workbench.paths.home + "/opslab.db",
                                                policy: RetryPolicy(maxAttempts: notifyMaxAttempts))
            let notifier = try Notifier(config: config, sinks: sinks, outbox: outbox, logger: logger)
            notifier.start()
            logger.info("notifying", metadata: ["config": "\(path)", "integrations": "\(sinks.count)"])
            return notifier
        } catch let error as YAMLFileError {
            writeStandardError("opslab serve: \(error)\n")
            throw ExitCode(1)
        }
    }
}

/// `host:port` as given to --listen.
struct ListenAddress: CustomStringConvertible {
    let host: String
    let port: Int

    init(_ text: String) throws {
        // [v6::addr]:port, host:port or :port.
        var host = "127.0.0.1"
        var portText = text
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = String(text[text.index(after: close)...].dropFirst())
        } else if let colon = text.lastIndex(of: ":") {
            if colon != text.startIndex { host = String(text[..<colon]) }
            portText = String(text[text.index(after: colon)...])
        }
        guard let port = Int(portText), (0...65535).contains(port), !host.isEmpty else {
            throw ValidationError("--listen expects host:port (e.g. 127.0.0.1:9464), got \"\(text)\"")
        }
        self.host = host
        self.port = port
    }

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Hot reload in serve: every two seconds, plugin files edited on the search
/// path are read again (under the Lua lock the collectors and rules take); a
/// broken edit is logged and the previous version keeps running.
final class PluginWatcher: @unchecked Sendable {
    private let workbench: Workbench
    private let logger: Logger
    private let stopped = DispatchSemaphore(value: 0)

    init(workbench: Workbench, logger: Logger) {
        self.workbench = workbench
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            while stopped.wait(timeout: .now() + .seconds(2)) == .timedOut {
                let messages = workbench.luaLock.withLock { workbench.reloadChangedPlugins() }
                for message in messages { logger.info("plugins", metadata: ["change": "\(message)"]) }
            }
        }
        thread.name = "opslab-plugin-watch"
        thread.start()
    }

    func stop() { stopped.signal() }
}
