import InfermonCore
import Testing

@testable import Server

/// What `/metrics` shows of the event-derived series: the latest value of each,
/// histograms in the order the text format needs, and nothing for a histogram
/// that never observed a value (a model that does not stream has no time to
/// first token, yet its rollups carry the columns).
@Suite("Event series exposition")
struct EventSeriesExpositionTests {
    /// Every series answers with the samples it was given; matchers are applied.
    struct FixedQuerier: SeriesQuerier {
        let series: [Series]
        func select(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Series] {
            series.filter { item in matchers.allSatisfy { $0.matches(item.labels[$0.name] ?? "") } }
        }
        func labelSets(_ matchers: [LabelMatcher], from: Timestamp, through: Timestamp) throws -> [Labels] {
            try select(matchers, from: from, through: through).map(\.labels)
        }
    }

    static func histogram(_ name: String, model: String, buckets: [(String, Double)], sum: Double, count: Double)
        -> [Series]
    {
        let base = ["model": model]
        var series = buckets.map { bound, value in
            Series(
                labels: Labels(name: name + "_bucket", base.merging(["le": bound]) { $1 }), samples: [Sample(1, value)])
        }
        series.append(Series(labels: Labels(name: name + "_sum", base), samples: [Sample(1, sum)]))
        series.append(Series(labels: Labels(name: name + "_count", base), samples: [Sample(1, count)]))
        return series
    }

    /// A raw newline would end the sample's line; "\r\n" is one Character in Swift,
    /// so it must be escaped on its scalars, not its Characters.
    @Test func labelValuesAreEscapedForTheTextFormat() {
        let labels = Labels(name: "m", ["a": "x\"y\\z", "b": "line\r\nnext\nend", "c": "plain é"])
        #expect(
            EventSeriesExposition.exposition(labels)
                == #"m{a="x\"y\\z",b="line\#r\nnext\nend",c="plain é"}"#)
        #expect(EventSeriesExposition.exposition(Labels(name: "m")) == "m")
    }

    @Test func histogramsInFormatOrderAndUnobservedOnesLeftOut() throws {
        let duration = EventMetrics.requestDuration
        let ttft = EventMetrics.timeToFirstToken
        // Given out of order, as a store may: the exposition orders them.
        let series =
            Self.histogram(duration, model: "b", buckets: [("+Inf", 3), ("0.5", 1), ("0.1", 0)], sum: 2.5, count: 3)
            .reversed()
            + Self.histogram(duration, model: "a", buckets: [("0.1", 1), ("+Inf", 1), ("0.5", 1)], sum: 0.05, count: 1)
            + Self.histogram(ttft, model: "a", buckets: [("0.1", 0), ("+Inf", 0)], sum: 0, count: 0)
            + Self.histogram(ttft, model: "b", buckets: [("0.1", 2), ("+Inf", 2)], sum: 0.1, count: 2)
            + [Series(labels: Labels(name: EventMetrics.requestsTotal, ["model": "b"]), samples: [Sample(1, 3)])]
        let text = try EventSeriesExposition.render(querier: FixedQuerier(series: Array(series)), now: 2)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
        #expect(
            lines == [
                #"infermon_requests_total{model="b"} 3"#,
                #"\#(duration)_bucket{le="0.1",model="a"} 1"#,
                #"\#(duration)_bucket{le="0.5",model="a"} 1"#,
                #"\#(duration)_bucket{le="+Inf",model="a"} 1"#,
                #"\#(duration)_sum{model="a"} 0.05"#,
                #"\#(duration)_count{model="a"} 1"#,
                #"\#(duration)_bucket{le="0.1",model="b"} 0"#,
                #"\#(duration)_bucket{le="0.5",model="b"} 1"#,
                #"\#(duration)_bucket{le="+Inf",model="b"} 3"#,
                #"\#(duration)_sum{model="b"} 2.5"#,
                #"\#(duration)_count{model="b"} 3"#,
                #"\#(ttft)_bucket{le="0.1",model="b"} 2"#,
                #"\#(ttft)_bucket{le="+Inf",model="b"} 2"#,
                #"\#(ttft)_sum{model="b"} 0.1"#,
                #"\#(ttft)_count{model="b"} 2"#,
            ], "\(lines)")
        // A family with nothing observed anywhere has no HELP or TYPE either.
        let unobserved = Self.histogram(ttft, model: "a", buckets: [("+Inf", 0)], sum: 0, count: 0)
        #expect(try EventSeriesExposition.render(querier: FixedQuerier(series: unobserved), now: 2).isEmpty)
    }
}

/// Requests arriving while a rendering is under way wait for it instead of
/// starting their own; the next request after it renders anew.
@Suite("Shared rendering")
struct SharedRenderTests {
    @Test func requestsDuringARenderingShareItsText() async throws {
        let shared = SharedRender<String>()
        let renders = Counter()
        let (gate, open) = AsyncStream<Void>.makeStream()
        let render: @Sendable () async throws -> String = {
            let number = await renders.next()
            for await _ in gate { break }
            return "text \(number)"
        }
        let first = Task { try await shared.text(render) }
        while await renders.value == 0 { await Task.yield() }
        let second = Task { try await shared.text(render) }
        while await shared.sharedRequests == 0 { await Task.yield() }
        open.yield()
        #expect(try await first.value == "text 1")
        #expect(try await second.value == "text 1")
        #expect(await renders.value == 1)

        open.yield()
        #expect(try await shared.text(render) == "text 2")
    }

    actor Counter {
        var value = 0
        func next() -> Int {
            value += 1
            return value
        }
    }
}
