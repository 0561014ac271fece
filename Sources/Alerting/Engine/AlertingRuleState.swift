import InfermonCore
import Query
import Templates

/// What expanding templates needs besides the sample.
struct ExpansionContext: Sendable {
    var externalLabels: [String: String] = [:]
    var externalURL: String = ""
    var query: (@Sendable (String) throws -> [QuerySample])?
}

/// An alerting rule and its alerts, with Prometheus 2.42's state machine:
/// a new result becomes pending; pending becomes firing once it has been
/// active for `for`; a firing alert whose result disappears keeps firing for
/// `keep_firing_for`, then resolves (inactive with `resolvedAt`) and is kept
/// 15 minutes so the resolve is re-sent; a pending alert that disappears is
/// dropped without notice.
struct AlertingRuleState: Sendable {
    /// How long resolved alerts are kept and re-sent (Prometheus: 15m).
    static let resolvedRetention: Int64 = 15 * 60_000

    let rule: RuleDefinition
    var active: [Labels: AlertInstance] = [:]

    init(rule: RuleDefinition) { self.rule = rule }

    /// Advances the state machine with the query result at `time` and returns
    /// the `ALERTS` and `ALERTS_FOR_STATE` samples to append.
    mutating func evaluate(
        _ result: [InstantSample], at time: Timestamp, limit: Int, context: ExpansionContext
    ) throws -> [(labels: Labels, sample: Sample)] {
        var fresh: [Labels: AlertInstance] = [:]
        for sample in result {
            let labelMap = sample.labels.dictionary
            let expand = { (template: AlertTemplate) in
                template.expand(
                    labels: labelMap, externalLabels: context.externalLabels, externalURL: context.externalURL,
                    value: sample.value, query: context.query)
            }
            var labels = sample.labels.withoutName
            for (name, template) in rule.labels { labels = labels.setting(name, to: expand(template)) }
            labels = labels.setting("alertname", to: rule.name)
            var annotations: [String: String] = [:]
            for (name, template) in rule.annotations { annotations[name] = expand(template) }
            guard fresh[labels] == nil else {
                throw InfermonError.invalidInput(
                    "vector contains metrics with the same labelset after applying alert labels")
            }
            fresh[labels] = AlertInstance(
                labels: labels, annotations: annotations, state: .pending, value: sample.value, activeAt: time)
        }

        for (labels, alert) in fresh {
            // An alert already pending or firing keeps its times; only value and annotations change.
            if var existing = active[labels], existing.state != .inactive {
                existing.value = alert.value
                existing.annotations = alert.annotations
                active[labels] = existing
            } else {
                active[labels] = alert
            }
        }

        var activeOrPending = 0
        var output: [(labels: Labels, sample: Sample)] = []
        for labels in active.keys.sorted() {
            guard var alert = active[labels] else { continue }
            if fresh[labels] == nil {
                var keepFiring = false
                if alert.state == .firing && rule.keepFiringFor > 0 {
                    if alert.keepFiringSince == nil { alert.keepFiringSince = time }
                    if time - alert.keepFiringSince! < rule.keepFiringFor { keepFiring = true }
                }
                if alert.state == .pending
                    || (alert.resolvedAt.map { time - $0 > Self.resolvedRetention } ?? false)
                {
                    active[labels] = nil
                    continue
                }
                if alert.state != .inactive && !keepFiring {
                    alert.state = .inactive
                    alert.resolvedAt = time
                }
                active[labels] = alert
                if !keepFiring { continue }
            } else {
                alert.keepFiringSince = nil
            }
            activeOrPending += 1
            if alert.state == .pending && time - alert.activeAt >= rule.holdDuration {
                alert.state = .firing
                alert.firedAt = time
            }
            active[labels] = alert
            output.append((alertsSeries(alert, state: alert.state), Sample(time, 1)))
            output.append(
                (forStateSeries(alert), Sample(time, Double(floorDivide(alert.activeAt, 1000)))))
        }
        if limit > 0 && activeOrPending > limit {
            active = [:]
            throw InfermonError.limitExceeded("exceeded limit of \(limit) with \(activeOrPending) alerts")
        }
        return output
    }

    /// `ALERTS{alertname, alertstate, …labels}`.
    private func alertsSeries(_ alert: AlertInstance, state: AlertState) -> Labels {
        alert.labels.setting(Labels.metricName, to: "ALERTS").setting("alertname", to: rule.name)
            .setting("alertstate", to: state.rawValue)
    }

    /// `ALERTS_FOR_STATE{alertname, …labels}`, valued with `activeAt` in seconds, for restoring `for` progress.
    func forStateSeries(_ alert: AlertInstance) -> Labels {
        alert.labels.setting(Labels.metricName, to: "ALERTS_FOR_STATE").setting("alertname", to: rule.name)
    }

    /// The alerts to send now, marking them sent: firing ones every `resendDelay`
    /// with `validUntil` four intervals ahead, resolved ones at once and then
    /// again every `resendDelay` while they are kept.
    mutating func alertsToSend(at time: Timestamp, resendDelay: Int64, interval: Int64) -> [AlertInstance] {
        var sent: [AlertInstance] = []
        for labels in active.keys.sorted() {
            guard var alert = active[labels], alert.needsSending(at: time, resendDelay: resendDelay) else { continue }
            alert.lastSentAt = time
            alert.validUntil = time + 4 * max(resendDelay, interval)
            active[labels] = alert
            sent.append(alert)
        }
        return sent
    }

    /// Pending and firing alerts, for the API.
    var visibleAlerts: [AlertInstance] {
        active.values.filter { $0.resolvedAt == nil }.sorted { $0.labels < $1.labels }
    }
}
