import Foundation
import InfermonCore
import Reports
import Testing

/// The report's numbers against what the fixture wrote: every section is read
/// through the product's own queries and stage views.
@Suite struct ReportContentTests {
    @Test func sectionsCarryTheNumbersOfThePeriod() async throws {
        let fixture = try await ReportFixture()
        let report = await fixture.report()
        #expect(report.problems.isEmpty, "\(report.problems)")

        // Traffic and errors.
        let chat = try #require(report.traffic.byModel.first { $0.model == "chat" })
        #expect(chat.requests == Double(fixture.chatRequests))
        #expect(chat.errors == Double(fixture.chatErrors))
        #expect(report.traffic.byModel.first { $0.model == "embed" }?.requests == Double(fixture.embedRequests))
        #expect(report.traffic.rate.count == 2 && report.traffic.rate.allSatisfy { $0.points.count > 20 })

        // Quantiles from the sketches: within their relative accuracy of the exact ones.
        let latency = try #require(report.latency.lines.first { $0.model == "chat" && $0.metric == "latency" })
        let sorted = fixture.chatLatencies.sorted()
        let exactP50 = sorted[sorted.count / 2]
        let exactP99 = sorted[Int(Double(sorted.count) * 0.99)]
        #expect(abs(latency.p50 / exactP50 - 1) < 0.03, "\(latency.p50) vs \(exactP50)")
        #expect(abs(latency.p99 / exactP99 - 1) < 0.08, "\(latency.p99) vs \(exactP99)")
        #expect(report.latency.lines.contains { $0.model == "chat" && $0.metric == "ttft" && $0.p50 > 0.1 })
        #expect(!report.latency.latencyP99.isEmpty && !report.latency.ttftP99.isEmpty)

        // Cost, and the budget's forecast: $1 a day, spent at about $0.004 a minute, is overrun.
        let chatCost = try #require(report.cost.byModel.first { $0.model == "chat" })
        #expect(abs(chatCost.usd - fixture.chatCost) < 1e-6)
        let budget = try #require(report.cost.budgets.first)
        #expect(budget.name == "chat-daily" && budget.limitUSD == 1)
        #expect(budget.spentUSD > 0 && budget.forecastUSD >= budget.spentUSD)

        // SLO: 5 of the 180 requests an hour fail (one chat request in 24) against a 99% objective.
        let slo = try #require(report.slos.first)
        #expect(slo.name == "availability")
        let burn1h = try #require(slo.burnRates.first { $0.window == "1h" }?.rate)
        #expect(abs(burn1h - 100.0 * 5 / 180) < 0.3, "\(burn1h)")
        #expect(slo.isBreached)

        // Drift of chat's feature, moved by 0.8 standard deviations against the 6 hours before.
        let age = try #require(report.drift.rows.first { $0.model == "chat" && $0.field == "features.age" })
        #expect(age.isDrift, "\(age)")
        #expect(report.drift.rows.contains { $0.model == "chat" && $0.field == "latency" && !$0.isDrift })
        #expect(report.drift.reference.contains("6h"))

        // Hallucination rate with its interval, per method.
        let ppi = try #require(report.hallucination.first { $0.method == "ppi" })
        #expect(ppi.lower == 0.031 && ppi.estimate == 0.052 && ppi.upper == 0.074 && ppi.window == "1h")
        #expect(report.hallucination.contains { $0.method == "gold" && $0.upper == 0.11 })

        // Performance from labels, and the reliability curve over every hourly window.
        #expect(report.performance.metrics.contains { $0.metric == "accuracy" && $0.value == 0.9 })
        let ece = try #require(report.performance.metrics.first { $0.metric == "ece" })
        #expect(ece.value == 0.035 && ece.lower == 0.02 && ece.upper == 0.05)
        let curve = try #require(report.performance.reliability.first)
        #expect(curve.model == "chat" && curve.bins.count == 10)
        #expect(curve.bins.allSatisfy { $0.count == 100 }, "five windows of 20 events per bin")
        #expect(abs(curve.bins[9].meanPredicted - 0.95) < 1e-9 && abs(curve.bins[9].observed - 0.91) < 1e-9)

        // Incidents: the alert that fired for about 30 minutes.
        let alert = try #require(report.incidents.alerts.first)
        #expect(alert.name == "ChatErrorRate" && alert.severity == "page" && alert.labels == "model=chat")
        #expect(alert.firingMillis >= 25 * ReportFixture.minute && alert.firingMillis <= 40 * ReportFixture.minute)
        #expect(report.incidents.alerts.count == 1)

        // Canary: held twice, then promoted.
        let canary = try #require(report.canaries.first)
        #expect(canary.canary == "chat-v2" && canary.verdict == "promote")
        #expect(canary.historyText == "hold ×2, promote ×1")
    }

    @Test func oneModelLeavesTheOthersOut() async throws {
        let fixture = try await ReportFixture(withSeries: false)
        let report = await fixture.report(model: "embed")
        #expect(report.traffic.byModel.map(\.model) == ["embed"])
        #expect(report.latency.lines.allSatisfy { $0.model == "embed" })
        #expect(report.drift.rows.allSatisfy { $0.model == "embed" })
        #expect(report.hallucination.isEmpty && report.incidents.alerts.isEmpty && report.canaries.isEmpty)
        #expect(!report.performance.hasData)
    }

    @Test func numbersReadAsPeopleWriteThem() {
        let report = MonitoringReport(title: "t", generatedAt: 0, from: 0, to: 3_600_000, model: nil)
        let markdown = MarkdownReportRenderer.render(report)
        #expect(markdown.contains("1970-01-01 00:00 UTC – 1970-01-01 01:00 UTC"))
        var budgetReport = report
        budgetReport.cost.budgets = [
            BudgetLine(
                name: "b", period: "day", periodStart: 0, periodEnd: 86_400_000, limitUSD: 1500, spentUSD: 12.345,
                forecastUSD: 1834.5, method: "recent rate")
        ]
        let text = MarkdownReportRenderer.render(budgetReport)
        #expect(text.contains("| b | day from 1970-01-01 00:00 UTC | $1,500 | $12.35 | 0.82% | $1,835 | **122.3%** |"))
    }
}
