import InfermonCore
import InfermonTesting
import Query
import Testing

/// Efficiency contracts and limits of the engine that result values cannot show.
struct EngineTests {
    static let day: Int64 = 86_400_000

    /// 100 counters (10 models × 10 tenants) scraped every minute (15 s for short spans).
    static func counters(_ store: InMemorySeriesStore, hours: Int64 = 25) {
        let interval: Int64 = hours > 3 ? 60_000 : 15_000
        for model in 0..<10 {
            for tenant in 0..<10 {
                let samples = (0..<(hours * 3_600_000 / interval)).map {
                    Sample($0 * interval, Double($0 * Int64(model + 1)))
                }
                store.add(
                    Labels(name: "requests_total", ["model": "m\(model)", "tenant": "t\(tenant)"]), samples)
            }
        }
    }

    @Test func rangeQueryReadsEachSelectorOnceForTheWholeRange() throws {
        let store = InMemorySeriesStore()
        Self.counters(store)
        let start: Int64 = 3_600_000
        let end = start + Self.day - 3_600_000
        let result = try QueryEngine().range(
            "sum by (model) (rate(requests_total[5m])) / sum by (model) (rate(requests_total[5m]))",
            start: start, end: end, step: 60_000, querier: store)
        #expect(store.selections.count == 1)
        #expect(store.selections.first?.from == start - 300_000)
        #expect(store.selections.first?.through == end)
        guard case .matrix(let series) = result else {
            Issue.record("expected a matrix")
            return
        }
        #expect(series.count == 10)
        #expect(series.allSatisfy { $0.samples.count == 1381 && $0.samples.allSatisfy { $0.value == 1 } })
    }

    @Test func selectionWindowCoversOffsetAndLookback() throws {
        let store = InMemorySeriesStore()
        _ = try QueryEngine().range(
            "requests_total offset 1h", start: 10 * 3_600_000, end: 11 * 3_600_000, step: 60_000, querier: store)
        let hour: Int64 = 3_600_000
        #expect(store.selections.count == 1)
        #expect(store.selections.first?.from == 9 * hour - 300_000)
        #expect(store.selections.first?.through == 10 * hour)
    }

    @Test func subqueryReadsItsSelectorOnce() throws {
        let store = InMemorySeriesStore()
        Self.counters(store, hours: 3)
        _ = try QueryEngine().range(
            "max_over_time(rate(requests_total[5m])[30m:1m])", start: 3_600_000, end: 7_200_000, step: 60_000,
            querier: store)
        // Inner steps start at 1h - 30m; the rate there needs 5m more.
        let from: Int64 = 3_600_000 - 1_800_000 - 300_000
        #expect(store.selections.map(\.from) == [from])
    }

    @Test func deadlineComesFromTheInjectedClock() throws {
        let clock = ManualClock(now: 0)
        let store = InMemorySeriesStore(onRead: { clock.advance(by: 10_000) })
        Self.counters(store, hours: 1)
        var options = QueryOptions()
        options.clock = clock
        let engine = QueryEngine(options: options)
        #expect(throws: InfermonError.self) {
            try engine.instant(
                "sum(requests_total)", at: 600_000, querier: store, limits: QueryLimits(timeout: .seconds(5)))
        }
        do {
            _ = try engine.instant(
                "sum(requests_total)", at: 600_000, querier: store, limits: QueryLimits(timeout: .seconds(5)))
        } catch let error as InfermonError {
            #expect(error.isTimeout)
            #expect(error.message.contains("timed out"))
            #expect(error.message.contains("5s"))
        }
        // The same query within the budget answers.
        let result = try engine.instant(
            "sum(requests_total)", at: 600_000, querier: store, limits: QueryLimits(timeout: .seconds(60)))
        #expect(result != .vector([]))
    }

    @Test func sampleLimitStopsTheQuery() throws {
        let store = InMemorySeriesStore()
        Self.counters(store, hours: 1)
        let engine = QueryEngine()
        // 100 series × 21 samples in [0, 5m].
        let fits = try engine.instant(
            "count(requests_total)", at: 300_000, querier: store, limits: QueryLimits(maxSamples: 2_100))
        #expect(fits == .vector([InstantSample(labels: Labels(), timestamp: 300_000, value: 100)]))
        do {
            _ = try engine.instant(
                "count(requests_total)", at: 300_000, querier: store, limits: QueryLimits(maxSamples: 2_099))
            Issue.record("expected the sample limit to stop the query")
        } catch let error as InfermonError {
            #expect(error.isLimitExceeded)
            #expect(error.message.contains("too many samples"))
            #expect(error.message.contains("2099"))
        }
    }

    @Test func subqueryPointsCountTowardsTheSampleLimit() throws {
        let store = InMemorySeriesStore()
        store.add(Labels(name: "one"), [Sample(0, 1)])
        let engine = QueryEngine()
        // vector(1) reads nothing, but the subquery holds 61 points.
        #expect(throws: InfermonError.self) {
            try engine.instant(
                "sum_over_time(vector(1)[1h:1m])", at: 3_600_000, querier: store, limits: QueryLimits(maxSamples: 60))
        }
        _ = try engine.instant(
            "sum_over_time(vector(1)[1h:1m])", at: 3_600_000, querier: store, limits: QueryLimits(maxSamples: 61))
    }

    @Test func hugeSubqueriesAreRefusedBeforeEvaluation() {
        do {
            _ = try QueryEngine().instant(
                "max_over_time(vector(1)[1y:1ms])", at: 0, querier: InMemorySeriesStore())
            Issue.record("expected the subquery to be refused")
        } catch let error as InfermonError {
            #expect(error.isLimitExceeded)
            #expect(error.message.contains("31536000001 steps"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func rangeQueryArgumentsAreChecked() {
        let store = InMemorySeriesStore()
        let engine = QueryEngine()
        #expect(throws: InfermonError.self) { try engine.range("1", start: 0, end: 60_000, step: 0, querier: store) }
        #expect(throws: InfermonError.self) { try engine.range("1", start: 60_000, end: 0, step: 1, querier: store) }
        #expect(throws: InfermonError.self) {
            try engine.range("1", start: 0, end: Self.day, step: 1_000, querier: store)
        }
        #expect(throws: Never.self) { try engine.range("1", start: 0, end: Self.day, step: 60_000, querier: store) }
    }

    @Test func instantRangeSelectorReturnsRawSamples() throws {
        let store = InMemorySeriesStore()
        store.add(Labels(name: "x", ["a": "1"]), [Sample(0, 1), Sample(30_000, Sample.staleNaN), Sample(60_000, 3)])
        let result = try QueryEngine().instant("x[1m]", at: 60_000, querier: store)
        #expect(
            result
                == .matrix([Series(labels: Labels(name: "x", ["a": "1"]), samples: [Sample(0, 1), Sample(60_000, 3)])]))
    }

    @Test func scalarRangeQueryIsOneSeriesWithoutLabels() throws {
        let result = try QueryEngine().range(
            "time() * 2", start: 0, end: 120_000, step: 60_000, querier: InMemorySeriesStore())
        #expect(
            result
                == .matrix([
                    Series(labels: Labels(), samples: [Sample(0, 0), Sample(60_000, 120), Sample(120_000, 240)])
                ]))
    }

    @Test func stringQueryReturnsTheString() throws {
        let result = try QueryEngine().instant(#""hello""#, at: 5_000, querier: InMemorySeriesStore())
        #expect(result == .string("hello", at: 5_000))
    }

    @Test func lookbackIsConfigurable() throws {
        let store = InMemorySeriesStore()
        store.add(Labels(name: "x"), [Sample(0, 1)])
        var options = QueryOptions()
        options.lookbackDelta = 60_000
        let short = QueryEngine(options: options)
        #expect(try short.instant("x", at: 60_000, querier: store) != .vector([]))
        #expect(try short.instant("x", at: 60_001, querier: store) == .vector([]))
        #expect(try QueryEngine().instant("x", at: 300_000, querier: store) != .vector([]))
    }
}
