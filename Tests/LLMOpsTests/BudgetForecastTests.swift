import InfermonCore
import InfermonTesting
import LLMOps
import Logging
import Store
import Testing

/// The budget forecast on a synthetic month whose answer is known: spend follows
/// the same daily curve every day, $67 a day, so June 2030 costs exactly 30 × 67 = $2,010.
@Suite("Budget forecast")
struct BudgetForecastTests {
    /// Dollars spent in each hour of the day (UTC); they add up to 67.
    static let curve: [Double] = [1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 5, 4, 3, 3, 2, 2, 1, 1, 1, 1]
    static let acme = Budget(
        name: "acme-monthly", selector: [.equal("tenant", "acme")], period: .month, amountUSD: 2000)

    /// Six requests an hour, at :05, :15, … :55, sharing the hour's spend; plus a
    /// $1-an-hour tenant the budget must not count.
    static func traffic(from start: Timestamp, to end: Timestamp) -> [InferenceEvent] {
        var events: [InferenceEvent] = []
        var hour = start
        while hour < end {
            let hourOfDay = Int((hour / Time.hour) % 24)
            for slot in 0..<6 {
                let time = hour + Int64(slot * 10 + 5) * Time.minute
                guard time < end else { break }
                events.append(event(at: time, tenant: "acme", cost: curve[hourOfDay] / 6))
                events.append(event(at: time, tenant: "globex", cost: 1.0 / 6))
            }
            hour += Time.hour
        }
        return events
    }

    @Test func withAWeekOfHistoryTheForecastFollowsTheDailyCurveToTheExactMonthTotal() async throws {
        let now = Time.date(2030, 6, 15, hour: 12)
        let fixture = try StoreFixture(now: now)
        try await fixture.ingest(Self.traffic(from: Time.date(2030, 5, 20), to: now))
        let evaluator = BudgetEvaluator(budgets: [Self.acme], querier: fixture.store)
        let status = try evaluator.status(of: Self.acme, at: now)
        // 14 whole days at $67 and the morning of the 15th: 1+1+1+1+1+1+2+3+4+5+6+6 = $32.
        #expect(abs(status.spentUSD - 970) < 1e-9)
        // The last 6 hours (06:00–12:00) cost $26, which the curve says is 26/67 of a day:
        // the level is exactly one $67 day, so the forecast is the month's true total.
        #expect(status.followsDailyCurve)
        #expect(abs(status.forecastUSD - 2010) < 1e-9)
        #expect(abs(status.usedRatio - 970.0 / 2000) < 1e-12)
        #expect(abs(status.forecastRatio - 2010.0 / 2000) < 1e-12)

        // And it is the answer: let the rest of June happen and read the total.
        fixture.clock.set(to: Time.date(2030, 7, 1))
        try await fixture.ingest(Self.traffic(from: now, to: Time.date(2030, 7, 1)))
        let end = try evaluator.status(of: Self.acme, at: Time.date(2030, 7, 1) - 1)
        #expect(abs(end.spentUSD - 2010) < 1e-9)
    }

    @Test func withoutAWeekOfHistoryTheRecentRateIsExtrapolatedFlat() async throws {
        let now = Time.date(2030, 6, 3, hour: 12)
        let fixture = try StoreFixture(now: now)
        try await fixture.ingest(Self.traffic(from: Time.date(2030, 6, 1), to: now))
        let status = try BudgetEvaluator(budgets: [Self.acme], querier: fixture.store).status(of: Self.acme, at: now)
        // Spent: 2 × 67 + 32 = 166. Rate of the last 6 hours: 26 / 6 per hour, over the
        // 660 hours left in June: 2,860. The midday peak makes a flat forecast overshoot.
        #expect(!status.followsDailyCurve)
        #expect(abs(status.spentUSD - 166) < 1e-9)
        #expect(abs(status.forecastUSD - 3026) < 1e-9)
    }

    @Test func aDailyBudgetAtSixInTheMorning() async throws {
        let now = Time.date(2030, 6, 15, hour: 6)
        let fixture = try StoreFixture(now: now)
        try await fixture.ingest(Self.traffic(from: Time.date(2030, 6, 1), to: now))
        let daily = Budget(name: "acme-daily", selector: [.equal("tenant", "acme")], period: .day, amountUSD: 50)
        let status = try BudgetEvaluator(budgets: [daily], querier: fixture.store).status(of: daily, at: now)
        // The quiet night ($6) scaled by the curve predicts the whole $67 day; flat, it would say 24.
        #expect(abs(status.spentUSD - 6) < 1e-9)
        #expect(abs(status.forecastUSD - 67) < 1e-9)
        #expect(abs(status.forecastRatio - 67.0 / 50) < 1e-12)
    }

    @Test func theProfileWeighsHoursOfTheDay() throws {
        let profile = try #require(DailyProfile(hourlySpend: Self.curve + Self.curve.map { $0 * 3 }))
        #expect(abs(profile.hourlyWeights.reduce(0, +) - 24) < 1e-12)
        #expect(abs(profile.hourlyWeights[10] - 6 * 24 / 67) < 1e-12)
        // Half of hour 9 and all of hour 10: (5/2 + 6) × 24/67.
        let from = Time.date(2030, 6, 15, hour: 9, minute: 30)
        #expect(abs(profile.weightedHours(from: from, to: Time.date(2030, 6, 15, hour: 11)) - 8.5 * 24 / 67) < 1e-12)
        #expect(DailyProfile(hourlySpend: [Double](repeating: 0, count: 48)) == nil)
    }

    @Test func theServiceWritesTheRatiosEveryMinute() async throws {
        let now = Time.date(2030, 6, 15, hour: 12)
        let fixture = try StoreFixture(now: now - 30_000)
        try await fixture.ingest(Self.traffic(from: Time.date(2030, 5, 20), to: now))
        let service = LLMOpsService(
            evaluators: [BudgetEvaluator(budgets: [Self.acme], querier: fixture.store)], appender: fixture.store,
            clock: fixture.clock, logger: Logger(label: "test"))
        let task = Task { try await service.run() }
        await fixture.clock.waitForSleepers(1)
        fixture.clock.advance(by: 30_000)  // to 12:00:00, the next whole minute
        await fixture.clock.waitForSleepers(1)
        task.cancel()
        _ = try? await task.value
        let forecast = try lastValues(fixture.store, LLMOpsMetrics.budgetForecastRatio, through: now)
        let used = try lastValues(fixture.store, LLMOpsMetrics.budgetUsedRatio, through: now)
        #expect(abs((forecast[Labels(["budget": "acme-monthly"])] ?? 0) - 2010.0 / 2000) < 1e-9)
        #expect(abs((used[Labels(["budget": "acme-monthly"])] ?? 0) - 970.0 / 2000) < 1e-9)
    }
}
