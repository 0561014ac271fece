import InfermonCore
import InfermonTesting
import LLMOps
import Store
import Testing

/// Burn rates on a synthetic incident, computed by hand: 10 requests a minute
/// for three days and ten minutes, of which, in the last 20 minutes, 5 a minute fail.
/// Availability objective 99%: error budget 1%.
@Suite("SLO burn rates")
struct BurnRateTests {
    static let end = Time.date(2030, 3, 4, hour: 10)
    static let slo = ServiceLevelObjective(name: "availability", indicator: .availability, objective: 0.99)

    static func incident() -> [InferenceEvent] {
        var events: [InferenceEvent] = []
        var time = end - 3 * Time.day - 10 * Time.minute
        var index = 0
        while time < end {
            let failing = time >= end - 20 * Time.minute && index % 2 == 0
            events.append(event(at: time, status: failing ? .error : .ok))
            time += 6_000
            index += 1
        }
        return events
    }

    @Test func burnRatesOverEveryWindowMatchTheHandComputedValues() async throws {
        let fixture = try StoreFixture(now: Self.end + 30_000, stages: [LLMCounterStage(slos: [Self.slo])])
        try await fixture.ingest(Self.incident())
        let evaluator = SLOEvaluator(slos: [Self.slo], querier: fixture.store)
        // Windows end at the last whole minute, 10:00, also when asked at 10:00:30.
        let status = try evaluator.status(of: Self.slo, at: Self.end + 30_000)
        #expect(status.windowEnd == Self.end)
        let expected: [BurnRateWindow: (good: Double, bad: Double, burn: Double)] = [
            .fiveMinutes: (25, 25, 50),  // 25 / 50 = 50% → 50 / 1
            .thirtyMinutes: (200, 100, 100.0 / 3),  // 100 / 300 = 33.3%
            .oneHour: (500, 100, 100.0 / 6),  // 100 / 600
            .twoHours: (1100, 100, 100.0 / 12),  // 100 / 1,200
            .sixHours: (3500, 100, 100.0 / 36),  // 100 / 3,600
            .oneDay: (14300, 100, 100.0 / 144),  // 100 / 14,400
            .threeDays: (43100, 100, 100.0 / 432),  // 100 / 43,200
        ]
        for (window, want) in expected {
            #expect(status.windows[window] == WindowCounts(good: want.good, bad: want.bad), "\(window)")
            #expect(abs(status.burnRate(window) - want.burn) < 1e-9, "\(window): \(status.burnRate(window))")
        }
        // 30-day period: all 43,300 requests, 100 bad: 0.2309% of a 1% budget spent.
        #expect(status.period == WindowCounts(good: 43200, bad: 100))
        #expect(abs(status.errorBudgetRemaining - (1 - (100.0 / 43300) / 0.01)) < 1e-12)
        // The page condition of the rule file holds: 1h and 5m both over 14.4.
        #expect(status.burnRate(.oneHour) > 14.4 && status.burnRate(.fiveMinutes) > 14.4)

        let samples = try evaluator.evaluate(at: Self.end + 30_000)
        func value(_ metric: String, _ extra: (String, String)? = nil) -> Double? {
            samples.first { sample in
                sample.labels.name == metric && sample.labels["slo"] == "availability"
                    && (extra.map { sample.labels[$0.0] == $0.1 } ?? true)
            }?.sample.value
        }
        #expect(abs(value(LLMOpsMetrics.sloBurnRate, ("window", "1h"))! - 100.0 / 6) < 1e-9)
        #expect(abs(value(LLMOpsMetrics.sloBurnRate, ("window", "3d"))! - 100.0 / 432) < 1e-9)
        #expect(abs(value(LLMOpsMetrics.sloErrorBudgetRemaining)! - (1 - 10000.0 / 43300)) < 1e-9)
        #expect(value(LLMOpsMetrics.sloObjective) == 0.99)
    }

    @Test func aQuietWindowBurnsNothingAndAnUnusedBudgetIsWhole() throws {
        let status = SLOStatus(
            slo: "x", objective: 0.999, windowEnd: 0, windows: [.fiveMinutes: WindowCounts(good: 0, bad: 0)],
            period: WindowCounts(good: 0, bad: 0))
        #expect(status.burnRate(.fiveMinutes) == 0)
        #expect(status.errorBudgetRemaining == 1)
        let overspent = SLOStatus(
            slo: "x", objective: 0.99, windowEnd: 0, windows: [:], period: WindowCounts(good: 97, bad: 3))
        #expect(abs(overspent.errorBudgetRemaining - -2) < 1e-12)
    }
}
