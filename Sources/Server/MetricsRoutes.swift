public import Hummingbird
public import InfermonCore
import NIOCore
public import Prometheus

/// `/metrics` in the Prometheus text format: infermon's own metrics (recorded
/// through swift-metrics into the registry) followed by the current value of
/// every series it derives from events, so a real Prometheus scraping infermon
/// can evaluate the same rule files infermon evaluates itself.
public struct MetricsRoutes: HTTPRouteModule {
    let registry: PrometheusCollectorRegistry
    let querier: any SeriesQuerier
    let clock: any WallClock
    /// Called before each scrape to refresh gauges that are read, not pushed (queue depth, lag, store size).
    let refresh: @Sendable () async -> Void
    /// Counters that ingest stages keep as named series in the store (security
    /// findings, unpriced requests, …), exposed at their latest value however
    /// long ago it last moved. Named by the wiring, which knows the stages.
    let storedCounters: [(name: String, help: String)]
    /// On a store several daemons share, this daemon's name: it shows only its own
    /// counters (labelled `instance`), so a Prometheus scraping every daemon
    /// counts each finding once.
    let instance: String?

    public init(
        registry: PrometheusCollectorRegistry, querier: any SeriesQuerier, clock: any WallClock = SystemWallClock(),
        storedCounters: [(name: String, help: String)] = [], instance: String? = nil,
        refresh: @escaping @Sendable () async -> Void = {}
    ) {
        self.instance = instance
        self.registry = registry
        self.querier = querier
        self.clock = clock
        self.storedCounters = storedCounters
        self.refresh = refresh
    }

    public func register(on router: Router<BasicRequestContext>) {
        let shared = SharedRender<ByteBuffer>()
        router.get("/metrics") { _, _ in
            let page = try await shared.text { [self] in
                await refresh()
                var page = ByteBuffer()
                page.writeString(MetricHelp.annotate(registry.emitToString()))
                let now = clock.now()
                if let counters = querier as? any LatestEventCountersReader {
                    // The last minute, as the series path reads it below.
                    try EventCounterExposition.write(counters, from: now - 60_000, through: now, into: &page)
                } else {
                    page.writeString(try EventSeriesExposition.render(querier: querier, now: now))
                }
                page.writeString(
                    try EventSeriesExposition.renderCounters(
                        storedCounters, querier: querier, now: now, instance: instance))
                return page
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: page))
        }
    }
}

/// The latest value of each event-derived series, in exposition format.
public enum EventSeriesExposition {
    static let families: [(name: String, type: String, help: String, members: [String])] = [
        (
            EventMetrics.requestsTotal, "counter", "Inference requests by model, version, route, tenant and status.",
            [EventMetrics.requestsTotal]
        ),
        (
            EventMetrics.requestDuration, "histogram", "End-to-end request latency in seconds.",
            ["_bucket", "_sum", "_count"].map { EventMetrics.requestDuration + $0 }
        ),
        (
            EventMetrics.timeToFirstToken, "histogram", "Time to first token in seconds.",
            ["_bucket", "_sum", "_count"].map { EventMetrics.timeToFirstToken + $0 }
        ),
        (
            EventMetrics.tokensTotal, "counter", "Tokens by type: input, output, cached, reasoning.",
            [EventMetrics.tokensTotal]
        ),
        (EventMetrics.costTotal, "counter", "Cost in US dollars.", [EventMetrics.costTotal]),
    ]

    public static func render(querier: any SeriesQuerier, now: Timestamp) throws -> String {
        var out = ""
        // Counters carry forward through quiet intervals, so the last minute holds every
        // series' latest value, as an instant query at `now` answers it. Reading ten
        // minutes made every series forty samples long to keep only the last.
        let from = now - 60_000
        for family in families {
            let matcher = try LabelMatcher(Labels.metricName, .matchRegex, family.members.joined(separator: "|"))
            var body = ""
            // A label set at a time: 10,000 of them are 273,000 series, and holding them
            // all at once was a few hundred MB for the length of a scrape.
            try querier.forEachSeriesGroup([matcher], from: from, through: now) { group in
                let latest = group.compactMap { item in
                    item.samples.last.flatMap { $0.isStaleMarker ? nil : Latest(item.labels, $0.value) }
                }
                let lines =
                    family.type == "histogram" ? observedHistograms(latest) : latest.sorted { $0.group < $1.group }
                for line in lines { body += exposition(line.labels) + " " + formatValue(line.value) + "\n" }
            }
            guard !body.isEmpty else { continue }
            out += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n" + body
        }
        return out
    }

    /// One series' latest value, with its sort keys computed once: a scrape of
    /// 10,000 label sets sorts half a million of them, and deriving the keys in
    /// the comparator was most of its time.
    struct Latest {
        let labels: Labels
        let value: Double
        /// The histogram (or counter) it belongs to: its labels without name and `le`,
        /// as text, which compares far faster than `Labels`.
        let group: String
        let member: (Int, Double)

        init(_ labels: Labels, _ value: Double) {
            self.labels = labels
            self.value = value
            group = EventSeriesExposition.exposition(labels.removing(["le", Labels.metricName]))
            member = EventSeriesExposition.sortKey(labels)
        }
    }

    /// Each histogram's buckets in ascending `le`, then `_sum`, then `_count`, as the
    /// format expects, leaving out histograms that never observed anything: every
    /// label set has a time-to-first-token histogram in its rollups, and a model
    /// that does not stream would otherwise expose seventeen series of zeros for it.
    static func observedHistograms(_ latest: [Latest]) -> [Latest] {
        let ordered = latest.sorted { $0.group != $1.group ? $0.group < $1.group : $0.member < $1.member }
        var kept: [Latest] = []
        kept.reserveCapacity(ordered.count)
        var start = 0
        while start < ordered.count {
            var end = start + 1
            while end < ordered.count, ordered[end].group == ordered[start].group { end += 1 }
            // `_count` sorts last in its group; a group without one is exposed as it is.
            let last = ordered[end - 1]
            if !(last.member.0 == 2 && last.value == 0) { kept.append(contentsOf: ordered[start..<end]) }
            start = end
        }
        return kept
    }

    /// The latest value of each series of each named counter, whenever it was written.
    public static func renderCounters(
        _ counters: [(name: String, help: String)], querier: any SeriesQuerier, now: Timestamp,
        instance: String? = nil
    ) throws -> String {
        var out = ""
        for counter in counters {
            var matchers = [LabelMatcher.equal(Labels.metricName, counter.name)]
            if let instance { matchers.append(.equal("instance", instance)) }
            let series = try querier.select(matchers, from: 0, through: now)
            let latest = series.compactMap { item in
                item.samples.last.flatMap { $0.isStaleMarker ? nil : (exposition(item.labels), $0.value) }
            }.sorted { $0.0 < $1.0 }
            guard !latest.isEmpty else { continue }
            out += "# HELP \(counter.name) \(counter.help)\n# TYPE \(counter.name) counter\n"
            for (series, value) in latest { out += series + " " + formatValue(value) + "\n" }
        }
        return out
    }

    /// Buckets in ascending `le`, then `_sum`, then `_count`, as the format expects.
    static func sortKey(_ labels: Labels) -> (Int, Double) {
        let name = labels.name ?? ""
        if name.hasSuffix("_bucket") {
            let bound = labels["le"].flatMap { $0 == "+Inf" ? Double.infinity : Double($0) } ?? 0
            return (0, bound)
        }
        return (name.hasSuffix("_sum") ? 1 : 2, 0)
    }

    /// `name{a="1",b="2"}`, as the text formats write a series.
    public static func exposition(_ labels: Labels) -> String {
        var out = labels.name ?? ""
        var opened = false
        for pair in labels.pairs where pair.name != Labels.metricName {
            out += opened ? "," : "{"
            opened = true
            out += pair.name
            out += "=\""
            out += escapeLabelValue(pair.value)
            out += "\""
        }
        if opened { out += "}" }
        return out
    }

    static func formatValue(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return formatJSONNumber(value)
    }
}
