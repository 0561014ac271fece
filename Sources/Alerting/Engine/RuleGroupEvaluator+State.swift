import InfermonCore
import Logging

/// Saving, restoring and reporting a group's state.
extension RuleGroupEvaluator {
    /// Each alerting rule with its occurrence among rules of the same name.
    private var alertingRules: [(index: Int, occurrence: Int, state: AlertingRuleState)] {
        var seen: [String: Int] = [:]
        var result: [(index: Int, occurrence: Int, state: AlertingRuleState)] = []
        for (index, record) in rules.enumerated() {
            guard case .alerting(let state) = record.state else { continue }
            let occurrence = seen[state.rule.name, default: 0]
            seen[state.rule.name] = occurrence + 1
            result.append((index, occurrence, state))
        }
        return result
    }

    /// The states worth keeping across a restart (values change every
    /// evaluation and are not kept, so an unchanged alert costs no write).
    func storedStates() -> [StoredAlertState] {
        var states: [StoredAlertState] = []
        for (_, occurrence, state) in alertingRules {
            for alert in state.active.values.sorted(by: { $0.labels < $1.labels }) {
                let stored: StoredAlertState.State =
                    switch alert.state {
                    case .pending: .pending
                    case .firing: .firing
                    case .inactive: .inactive
                    }
                states.append(
                    StoredAlertState(
                        groupKey: definition.key, rule: state.rule.name, occurrence: occurrence, labels: alert.labels,
                        annotations: alert.annotations, state: stored, activeAt: alert.activeAt, firedAt: alert.firedAt,
                        resolvedAt: alert.resolvedAt, keepFiringSince: alert.keepFiringSince,
                        lastSentAt: alert.lastSentAt, validUntil: alert.validUntil))
            }
        }
        return states
    }

    /// Writes the group's alert states when they differ from what was last written.
    func persist(at time: Timestamp) async {
        guard let stateStore else { return }
        let states = storedStates()
        if states == savedStatesSnapshot { return }
        do {
            try await stateStore.replaceAlertStates(groupKey: definition.key, with: states)
            setSaved(states)
        } catch {
            noteStoreFailure(error)
            logger.error("cannot save alert states", metadata: ["group": "\(definition.name)", "error": "\(error)"])
        }
    }

    /// Puts back what an earlier process stored. Firing and resolved alerts
    /// come back as they were, marked unsent, so the first evaluation re-sends
    /// them (a firing alert is deduplicated by notification; a resolve that
    /// happened while the daemon was down is resolved and notified). Pending
    /// alerts follow Prometheus's `for` restore: their `ALERTS_FOR_STATE` series
    /// says when they were last seen active; after a long outage they start
    /// over, and a restored alert never fires sooner than the grace period.
    func restore(
        _ stored: [StoredAlertState], now: Timestamp, lastForState: (Labels) -> (time: Timestamp, value: Double)?
    ) {
        for (index, occurrence, var state) in alertingRules {
            let mine = stored.filter {
                $0.groupKey == definition.key && $0.rule == state.rule.name && $0.occurrence == occurrence
            }
            for entry in mine {
                var alert = AlertInstance(
                    labels: entry.labels, annotations: entry.annotations, state: .pending, value: .nan,
                    activeAt: entry.activeAt, firedAt: entry.firedAt, resolvedAt: entry.resolvedAt,
                    keepFiringSince: entry.keepFiringSince, lastSentAt: nil, validUntil: entry.validUntil)
                switch entry.state {
                case .firing:
                    alert.state = .firing
                case .inactive:
                    alert.state = .inactive
                    if let resolvedAt = entry.resolvedAt, now - resolvedAt > AlertingRuleState.resolvedRetention {
                        continue
                    }
                case .pending:
                    guard
                        let restoredActiveAt = restoredActiveAt(
                            entry, rule: state.rule, now: now, lastForState: lastForState)
                    else { continue }
                    alert.activeAt = restoredActiveAt
                }
                state.active[alert.labels] = alert
            }
            replaceState(index, with: state)
        }
        setSaved(storedStates())
    }

    /// Prometheus's `RestoreForState` arithmetic for a pending alert, or nil when it starts over.
    private func restoredActiveAt(
        _ entry: StoredAlertState, rule: RuleDefinition, now: Timestamp,
        lastForState: (Labels) -> (time: Timestamp, value: Double)?
    ) -> Timestamp? {
        let hold = rule.holdDuration
        // Short `for` durations are not restored: waiting them out again is cheap.
        guard hold >= options.forGracePeriod.millis else { return nil }
        let forStateLabels = entry.labels.setting(Labels.metricName, to: "ALERTS_FOR_STATE")
        guard let last = lastForState(forStateLabels), !last.value.isNaN,
            now - last.time <= options.outageTolerance.millis
        else { return nil }
        let downAt = last.time / 1000 * 1000
        var activeAt = Timestamp(last.value) * 1000
        let remaining = hold - (downAt - activeAt)
        if remaining <= 0 {
            // It would have fired already; keep its start.
        } else if remaining < options.forGracePeriod.millis {
            activeAt = now + options.forGracePeriod.millis - hold
        } else {
            activeAt += now - downAt
        }
        return activeAt
    }

    /// Takes over the alerts and produced series of the group this one replaces
    /// on reload, rule by rule, matched by name and labels as Prometheus does.
    func adopt(_ previous: [RuleRecord]) {
        var unmatched = previous.indices.map { $0 }
        for index in rules.indices {
            let key = Self.identity(rules[index])
            guard let position = unmatched.firstIndex(where: { Self.identity(previous[$0]) == key }) else { continue }
            let old = previous[unmatched.remove(at: position)]
            rules[index].previousSeries = old.previousSeries
            if case .alerting(var state) = rules[index].state, case .alerting(let oldState) = old.state {
                state.active = oldState.active
                rules[index].state = .alerting(state)
            }
        }
        setSaved(nil)
    }

    private static func identity(_ record: RuleRecord) -> String {
        let rule: RuleDefinition =
            switch record.state {
            case .alerting(let state): state.rule
            case .recording(let state): state.rule
            }
        return rule.kind.rawValue + "\u{1}" + rule.name + "\u{1}"
            + rule.rawLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    func status() -> RuleGroupStatus {
        let statuses = rules.map { record -> RuleStatus in
            switch record.state {
            case .alerting(let state):
                return RuleStatus(
                    kind: .alerting, name: state.rule.name, query: state.rule.query, duration: state.rule.holdDuration,
                    keepFiringFor: state.rule.keepFiringFor, labels: state.rule.rawLabels,
                    annotations: state.rule.rawAnnotations,
                    alerts: state.visibleAlerts.map {
                        ActiveAlertStatus(
                            labels: $0.labels, annotations: $0.annotations, state: $0.state.rawValue,
                            activeAt: $0.activeAt, value: $0.value)
                    }, health: record.health, lastError: record.lastError, evaluationTime: record.evaluationTime,
                    lastEvaluation: record.lastEvaluation)
            case .recording(let state):
                return RuleStatus(
                    kind: .recording, name: state.rule.name, query: state.rule.query, labels: state.rule.rawLabels,
                    health: record.health, lastError: record.lastError, evaluationTime: record.evaluationTime,
                    lastEvaluation: record.lastEvaluation)
            }
        }
        return RuleGroupStatus(
            name: definition.name, file: definition.file, interval: interval, limit: definition.limit, rules: statuses,
            evaluationTime: groupEvaluationTime, lastEvaluation: groupLastEvaluation)
    }

    /// Firing alerts as `promtool test rules` compares them: labels and annotations.
    func firingAlerts(named name: String) -> [AlertInstance] {
        alertingRules.filter { $0.state.rule.name == name }.flatMap {
            $0.state.visibleAlerts.filter { $0.state == .firing }
        }
    }
}
