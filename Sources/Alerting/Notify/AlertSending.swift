// Which alerts go to Alertmanager after an evaluation, as Prometheus
// decides: firing alerts, again every resend delay while they fire, and
// resolved ones once, as soon as they resolve. Each is valid for four
// resend delays (or evaluation intervals, the longer), so that an
// Alertmanager that stops hearing about an alert resolves it itself.

extension AlertingRule {
    /// The alerts to send at `ts`, marked as sent.
    public func alertsToSend(at ts: Int64, resendDelayMs: Int64, intervalMs: Int64) -> [Alert] {
        let validFor = 4 * max(resendDelayMs, intervalMs)
        return updateAlerts { alert in
            guard alert.state != .pending else { return false }
            let resolvedSinceSent = alert.resolvedAt.map { resolved in alert.lastSentAt.map { resolved > $0 } ?? true } ?? false
            let due = alert.lastSentAt.map { $0 + resendDelayMs < ts } ?? true
            guard resolvedSinceSent || due else { return false }
            alert.lastSentAt = ts
            alert.validUntil = ts + validFor
            return true
        }
    }
}

extension RuleGroup {
    /// What every alerting rule of the group has to send at `ts`, with the
    /// rule's expression (for the generator URL).
    public func alertsToSend(at ts: Int64, resendDelayMs: Int64) -> [(expression: String, alerts: [Alert])] {
        alertingRules.map { ($0.definition.expression.text, $0.alertsToSend(at: ts, resendDelayMs: resendDelayMs, intervalMs: intervalMs)) }
            .filter { !$0.alerts.isEmpty }
    }
}
