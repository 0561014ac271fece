import Detectors
package import InfermonConfig
import InfermonCore
import LLMOps
import Logging
import Notify
package import Reports
import Server
import Store

/// Builds what reports read from the stages (budgets and SLOs of LLMOps, drift
/// of Detectors, the notification log) and the daemon's report service, on
/// either store. `infermon report` uses the same inputs, so a report made on
/// demand and a scheduled one say the same.
package enum ReportsWiring {
    package static func inputs(config: Configuration, store: any DaemonStore) -> ReportInputs {
        ReportInputs(
            querier: store, sketches: store,
            budgets: config.budgets.isEmpty
                ? nil
                : BudgetReport(
                    evaluator: BudgetEvaluator(
                        budgets: config.budgets, querier: store,
                        options: .init(lookback: config.storage.options.retention.rollups))),
            slos: config.slos.isEmpty
                ? nil
                : SLOReport(
                    evaluator: SLOEvaluator(
                        slos: config.slos, querier: store, lookback: config.storage.options.retention.samples)),
            drift: DriftReport(store: store, options: config.detectors),
            notifications: NotificationReport(store: store),
            limits: config.server.queryLimits)
    }

    /// The scheduled reports, or nil when none is configured.
    static func service(
        config: Configuration, store: any DaemonStore, notifications: NotificationService?, clock: any WallClock
    ) -> ReportService? {
        guard !config.reports.schedules.isEmpty else { return nil }
        return ReportService(
            config: config.reports, inputs: inputs(config: config, store: store),
            outbox: notifications.map(ReportOutboxAdapter.init), clock: clock,
            logger: Logger(label: "infermon.reports"))
    }
}

struct BudgetReport: BudgetReporting {
    let evaluator: BudgetEvaluator

    func budgets(at time: Timestamp) throws -> [BudgetLine] {
        try evaluator.budgets.map { budget in
            let status = try evaluator.status(of: budget, at: time)
            return BudgetLine(
                name: budget.name, period: budget.period.rawValue, periodStart: status.periodStart,
                periodEnd: status.periodEnd, limitUSD: status.limitUSD, spentUSD: status.spentUSD,
                forecastUSD: status.forecastUSD, method: status.followsDailyCurve ? "daily curve" : "recent rate")
        }
    }
}

struct SLOReport: SLOReporting {
    let evaluator: SLOEvaluator

    func slos(at time: Timestamp) throws -> [SLOLine] {
        try evaluator.slos.map { slo in
            let status = try evaluator.status(of: slo, at: time)
            // A window without a counted request has no burn rate, as `infermon slo status` shows it.
            let rates = BurnRateWindow.allCases.map { window -> (window: String, rate: Double?) in
                let counted = (status.windows[window]?.total ?? 0) > 0
                return (window.rawValue, counted ? status.burnRate(window) : nil)
            }
            return SLOLine(
                name: slo.name, summary: slo.summary, objective: slo.objective, burnRates: rates,
                budgetRemaining: status.period.total > 0 ? status.errorBudgetRemaining : nil)
        }
    }
}

/// Drift of the report's period as `infermon drift report` measures it, against
/// the configured reference; a previous-period reference becomes the period of
/// the report's own length just before it (the week before a weekly report).
struct DriftReport: DriftReporting {
    let store: any EventWindowReader & DriftBaselineStore
    let options: DetectorOptions

    func drift(from: Timestamp, through: Timestamp, model: String?) throws -> DriftSection {
        var settings = options.drift
        settings.computeAllScores = true
        let window = EventWindowQuery(
            from: from, through: through, model: model, responsePrefixLength: options.responsePrefixLength,
            limitPerModel: options.maximumEventsPerModel)
        var section = DriftSection()
        let reference: [EventColumns]
        (reference, section.reference) = try DriftReference.configured(
            store: store, reference: options.reference, window: window, start: from, previousLength: through - from)
        let results = DriftEvaluation.compare(
            reference: reference, current: try store.eventColumns(window), settings: settings,
            excluded: options.excludedFields)
        section.rows = results.filter { model == nil || $0.model == model }.flatMap { result in
            result.fields.map { field in
                let psi = field.test == .psi ? nil : field.allScores["psi"]
                return DriftRow(
                    model: result.model, field: field.field, test: field.test.rawValue, statistic: field.statistic,
                    effectSize: psi ?? field.statistic, effectSizeName: psi == nil ? field.test.rawValue : "psi",
                    pValue: field.pValue, threshold: field.threshold, verdict: field.verdict.rawValue,
                    referenceCount: field.referenceCount, currentCount: field.currentCount)
            }
        }
        return section
    }
}

/// What the notification log says was sent in the period (its last entry per
/// group and receiver), and what was given up.
struct NotificationReport: NotificationReporting {
    let store: any NotificationLogStore & NotificationOutbox

    func notifications(from: Timestamp, through: Timestamp) async throws -> [IncidentsSection.NotificationLine] {
        let sent = try await store.notificationLog().filter { $0.sentAt >= from && $0.sentAt <= through }.map {
            IncidentsSection.NotificationLine(
                sentAt: $0.sentAt, integration: $0.integration, group: $0.groupKey, firing: $0.firing.count,
                resolved: $0.resolved.count, outcome: "sent")
        }
        let dead = try await store.deadNotifications(limit: 1000).filter {
            $0.failedAt >= from && $0.failedAt <= through
        }.map {
            IncidentsSection.NotificationLine(
                sentAt: $0.failedAt, integration: $0.message.integration, group: $0.message.groupKey, firing: 0,
                resolved: 0, outcome: "given up: \($0.reason)")
        }
        return (sent + dead).sorted { ($0.sentAt, $0.integration) < ($1.sentAt, $1.integration) }
    }
}

/// Reports go out through the notification outbox, to the receiver's webhook integrations only
/// (a chat integration would need its own payload).
struct ReportOutboxAdapter: ReportOutbox {
    let service: NotificationService

    init(_ service: NotificationService) { self.service = service }

    func enqueueReport(_ body: [UInt8], id: String, receiver: String) async throws -> Int {
        let webhooks = (service.integrations[receiver] ?? []).filter { $0.hasPrefix("\(receiver)/webhook[") }
        guard !webhooks.isEmpty else {
            throw InfermonError.invalidArgument("receiver \"\(receiver)\" has no webhook")
        }
        return try await service.enqueue(body: body, id: id, groupKey: "report:\(id)", integrations: webhooks).count
    }
}
