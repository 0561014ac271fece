import InfermonConfig
import InfermonCore
import InfermonDaemon
import InfermonTesting
import LLMOps
import Logging
import Store
import Testing
import TrafficSimulator

/// The shipped price table and the example configuration's SLOs and budgets on a
/// simulated day of the demo's traffic, through the same wiring the daemon uses.
@Suite("Demo day")
struct DemoDayTests {
    static let day = Time.date(2030, 4, 1)

    /// Demo traffic from midnight until `end`, with every reported cost removed so
    /// the table must price it; the removed costs come back for comparison.
    static func traffic(until end: Timestamp) -> (events: [InferenceEvent], reported: [Double?]) {
        var generator = TrafficGenerator(dayStart: day, baseRate: 1, seed: 3)
        var events: [InferenceEvent] = []
        var reported: [Double?] = []
        var time = generator.nextArrival(after: day)
        while time < end {
            var event = generator.event(at: time)
            reported.append(event.cost)
            event.cost = nil
            events.append(event)
            time = generator.nextArrival(after: time)
        }
        return (events, reported)
    }

    static func configuration() throws -> Configuration {
        var config = try ConfigurationLoader.load(
            path: SLORuleTests.root + "/deploy/infermon.example.yaml")
        config.pricing.path = SLORuleTests.root + "/rules/pricing.yaml"
        return config
    }

    @Test func theExampleSLOsPageOnTheLatencyIncidentButNotOnTheShortErrorBurst() async throws {
        let end = Self.day + 18 * Time.hour + 10 * Time.minute
        let fixture = try StoreFixture(now: end)
        let config = try Self.configuration()
        fixture.stages = try LLMOpsWiring.ingestStages(
            config: config, querier: fixture.store, now: Self.day, logger: .init(label: "test"))
        let (events, reported) = Self.traffic(until: end)
        var priced: [InferenceEvent] = []
        for start in stride(from: 0, to: events.count, by: 5_000) {
            let batch = try await fixture.ingest(Array(events[start..<min(start + 5_000, events.count)]))
            priced += batch.events
        }

        // The table reproduces the cost the simulator computes from its own list prices,
        // and leaves the self-hosted model unpriced rather than free.
        var unpriced = 0
        for (event, cost) in zip(priced, reported) {
            if let cost {
                let table = try #require(event.cost, "\(event.model) was not priced")
                #expect(abs(table - cost) <= 1e-12 * max(1, cost), "\(event.model): \(table) vs \(cost)")
            } else {
                #expect(event.cost == nil && event.model == "llama-3.1-70b")
                unpriced += 1
            }
        }
        let counted = try lastValues(fixture.store, LLMOpsMetrics.unpricedRequests, through: end)
        #expect(counted == [Labels(["model": "llama-3.1-70b"]): Double(unpriced)])

        let slos = config.slos
        let evaluator = SLOEvaluator(slos: slos, querier: fixture.store)
        let ttft = try #require(slos.first { $0.name == "gpt-4o-ttft" })
        let availability = try #require(slos.first { $0.name == "availability" })
        func pages(_ status: SLOStatus) -> Bool {
            (status.burnRate(.oneHour) > 14.4 && status.burnRate(.fiveMinutes) > 14.4)
                || (status.burnRate(.sixHours) > 6 && status.burnRate(.thirtyMinutes) > 6)
        }
        // Before the incident gpt-4o's first tokens are fine; 40 minutes into it (TTFT six
        // times slower from 06:00) the fast-burn page condition holds.
        let calm = try evaluator.status(of: ttft, at: Self.day + 5 * Time.hour + 55 * Time.minute)
        #expect(!pages(calm) && calm.burnRate(.oneHour) < 1, "\(calm)")
        let incident = try evaluator.status(of: ttft, at: Self.day + 6 * Time.hour + 40 * Time.minute)
        #expect(pages(incident), "\(incident)")
        // The ten-minute error burst at 18:00 spikes the 5m burn rate, but neither long
        // window confirms it: no page, which is what the multi-window rule is for.
        let burst = try evaluator.status(of: availability, at: end)
        #expect(burst.burnRate(.fiveMinutes) > 14.4 && !pages(burst), "\(burst)")
    }

    @Test func theExampleBudgetsSeeTheCostSpike() async throws {
        let end = Self.day + 10 * Time.hour + 30 * Time.minute
        let fixture = try StoreFixture(now: end)
        let config = try Self.configuration()
        fixture.stages = try LLMOpsWiring.ingestStages(
            config: config, querier: fixture.store, now: Self.day, logger: .init(label: "test"))
        try await fixture.ingest(Self.traffic(until: end).events)
        let budgets = config.budgets
        let globex = try #require(budgets.first { $0.name == "globex-daily" })
        let evaluator = BudgetEvaluator(budgets: budgets, querier: fixture.store)
        // At 10:00 globex's spend is on its usual pace; after half an hour of the cost
        // spike (ten-times longer prompts to the priciest model) the forecast jumps.
        let before = try evaluator.status(of: globex, at: Self.day + 10 * Time.hour)
        let after = try evaluator.status(of: globex, at: end)
        #expect(!before.followsDailyCurve)
        #expect(after.spentUSD > before.spentUSD)
        #expect(after.forecastUSD > 1.5 * before.forecastUSD, "\(before) → \(after)")
    }
}
