public import InfermonCore
import Query

/// Builds a `MonitoringReport` for one period. Series are read with the PromQL
/// engine over the store's read protocols, with the same expressions the
/// dashboards and rule files use; budgets, SLOs, drift and notifications come
/// from their stages' views. A part that fails is named in `problems` and the
/// rest of the report is still built.
public struct ReportBuilder: Sendable {
    public let inputs: ReportInputs
    private let engine = QueryEngine()

    public init(inputs: ReportInputs) { self.inputs = inputs }

    public func build(
        from: Timestamp, to: Timestamp, model: String?, title: String? = nil, generatedAt: Timestamp
    ) async -> MonitoringReport {
        var report = MonitoringReport(
            title: title ?? "infermon report" + (model.map { " — \($0)" } ?? ""), generatedAt: generatedAt,
            from: from, to: to, model: model)
        let period = Period(from: from, to: to, model: model)
        func attempt(_ part: String, _ body: () throws -> Void) {
            do { try body() } catch { report.problems.append("\(part): \(error)") }
        }
        attempt("traffic") { report.traffic = try traffic(period) }
        attempt("latency") { report.latency = try latency(period) }
        attempt("cost") { report.cost = try cost(period) }
        if let budgets = inputs.budgets { attempt("budgets") { report.cost.budgets = try budgets.budgets(at: to) } }
        if let slos = inputs.slos { attempt("SLOs") { report.slos = try slos.slos(at: to) } }
        if let drift = inputs.drift {
            attempt("drift") { report.drift = try drift.drift(from: from, through: to, model: model) }
        }
        attempt("hallucination rate") { report.hallucination = try hallucination(period) }
        attempt("performance") { report.performance = try performance(period) }
        attempt("alerts") { report.incidents.alerts = try alerts(period) }
        if let notifications = inputs.notifications {
            do {
                report.incidents.notifications = try await notifications.notifications(from: from, through: to)
            } catch {
                report.problems.append("notifications: \(error)")
            }
        }
        attempt("canaries") { report.canaries = try canaries(period) }
        return report
    }

    /// The period and the expressions' common parts.
    struct Period {
        let from: Timestamp
        let to: Timestamp
        let model: String?
        /// Resolution of the charts: the smallest usual step giving at most 120 points.
        let step: Int64

        init(from: Timestamp, to: Timestamp, model: String?) {
            self.from = from
            self.to = to
            self.model = model
            let minute: Int64 = 60_000
            let steps = [1, 5, 15, 30, 60, 180, 360, 720, 1440, 10080].map { $0 * minute }
            step = steps.first { (to - from) / $0 <= 120 } ?? max(minute, (to - from) / 120)
        }

        /// `model="…"` (with a leading comma when `more` is set), or nothing.
        func matcher(_ more: String = "") -> String {
            let parts = (model.map { ["model=\"\(escapeLabelValue($0))\""] } ?? []) + (more.isEmpty ? [] : [more])
            return "{" + parts.joined(separator: ", ") + "}"
        }

        /// The whole period as a PromQL range, in seconds (at least one).
        var range: String { "\(max(1, (to - from + 999) / 1000))s" }
        var stepRange: String { "\(step / 1000)s" }
    }

    // MARK: Queries

    func vector(_ query: String, at time: Timestamp) throws -> [InstantSample] {
        switch try engine.instant(
            query, at: time, querier: inputs.querier, sketches: inputs.sketches, limits: inputs.limits)
        {
        case .vector(let samples): return samples
        case .scalar(let sample):
            return [InstantSample(labels: Labels(), timestamp: sample.timestamp, value: sample.value)]
        default: return []
        }
    }

    func matrix(_ query: String, _ period: Period) throws -> [Series] {
        // The first point covers the period's first step, the last one its end.
        let start = min(period.to, period.from + period.step)
        guard
            case .matrix(let series) = try engine.range(
                query, start: start, end: period.to, step: period.step, querier: inputs.querier,
                sketches: inputs.sketches, limits: inputs.limits)
        else { return [] }
        return series
    }

    func chart(_ series: [Series], name: (Labels) -> String, scale: Double = 1) -> [ChartSeries] {
        series.map { line in
            ChartSeries(name: name(line.labels), points: line.samples.map { ($0.timestamp, $0.value * scale) })
        }
    }

    static func modelName(_ labels: Labels) -> String { labels["model"] ?? "all" }

    // MARK: Sections

    /// How much each model's counter `name` grew in the period, exactly: the store's
    /// event counters are cumulative rollup totals, so the growth is the last value at
    /// or before `to` less the last at or before `from` (nothing when the series starts
    /// inside the period: a counter starts at zero), with counter resets added back.
    /// PromQL's `increase()` would extrapolate to the period's edges (122 for 120
    /// requests); a report states counts. The reading reaches back a day, the longest
    /// rollup interval, for the value at `from`.
    func exactIncrease(_ name: String, _ period: Period, _ extra: [LabelMatcher] = []) throws -> [String: Double] {
        var matchers = [LabelMatcher.equal(Labels.metricName, name)] + extra
        if let model = period.model { matchers.append(.equal("model", model)) }
        var totals: [String: Double] = [:]
        for line in try inputs.querier.select(matchers, from: period.from - 86_400_000, through: period.to) {
            var previous: Double?
            var growth = 0.0
            var inPeriod = false
            for sample in line.samples {
                if sample.timestamp > period.from {
                    inPeriod = true
                    let last = previous ?? 0
                    growth += sample.value >= last ? sample.value - last : sample.value
                }
                previous = sample.value
            }
            if inPeriod { totals[Self.modelName(line.labels), default: 0] += growth }
        }
        return totals
    }

    func traffic(_ period: Period) throws -> TrafficSection {
        var section = TrafficSection()
        let requests = EventMetrics.requestsTotal
        let errorsByModel = try exactIncrease(requests, period, [try LabelMatcher("status", .notEqual, "ok")])
        section.byModel = try exactIncrease(requests, period).map { model, count in
            .init(model: model, requests: count.rounded(), errors: (errorsByModel[model] ?? 0).rounded())
        }.sorted { ($0.requests, $1.model) > ($1.requests, $0.model) }
        section.requests = section.byModel.reduce(0) { $0 + $1.requests }
        section.errors = section.byModel.reduce(0) { $0 + $1.errors }
        section.rate = chart(
            try matrix("sum by (model) (rate(\(requests)\(period.matcher())[\(period.stepRange)]))", period),
            name: Self.modelName)
        section.errorRatio = chart(
            try matrix(
                "sum by (model) (rate(\(requests)\(period.matcher("status!=\"ok\""))[\(period.stepRange)]))"
                    + " / sum by (model) (rate(\(requests)\(period.matcher())[\(period.stepRange)]))", period),
            name: Self.modelName)
        return section
    }

    func latency(_ period: Period) throws -> LatencySection {
        var section = LatencySection()
        for (metric, name) in [("latency", EventMetrics.requestDuration), ("ttft", EventMetrics.timeToFirstToken)] {
            var quantiles: [String: [Double]] = [:]
            for (index, q) in [0.5, 0.9, 0.99].enumerated() {
                let samples = try vector(
                    "sketch_quantile_over_time(\(q), \(name)\(period.matcher())[\(period.range)], \"model\")",
                    at: period.to)
                for sample in samples {
                    quantiles[Self.modelName(sample.labels), default: [.nan, .nan, .nan]][index] = sample.value
                }
            }
            section.lines += quantiles.keys.sorted().map { model in
                let values = quantiles[model]!
                return .init(metric: metric, model: model, p50: values[0], p90: values[1], p99: values[2])
            }
            let series = chart(
                try matrix(
                    "sketch_quantile_over_time(0.99, \(name)\(period.matcher())[\(period.stepRange)], \"model\")",
                    period), name: Self.modelName)
            if metric == "latency" { section.latencyP99 = series } else { section.ttftP99 = series }
        }
        return section
    }

    func cost(_ period: Period) throws -> CostSection {
        var section = CostSection()
        let cost = EventMetrics.costTotal
        section.byModel = try exactIncrease(cost, period).map { ($0.key, $0.value) }
            .sorted { ($0.usd, $1.model) > ($1.usd, $0.model) }
        section.totalUSD = section.byModel.reduce(0) { $0 + $1.usd }
        section.hourly = chart(
            try matrix("sum(rate(\(cost)\(period.matcher())[\(period.stepRange)])) * 3600", period),
            name: { _ in "USD per hour" })
        return section
    }

    func hallucination(_ period: Period) throws -> [HallucinationLine] {
        let samples = try vector(
            "last_over_time(\(inputs.names.hallucinationRate)\(period.matcher())[\(period.range)])", at: period.to)
        var lines: [Labels: HallucinationLine] = [:]
        for sample in samples {
            let key = sample.labels.withoutName.removing(["bound"])
            var line =
                lines[key]
                ?? HallucinationLine(
                    model: key["model"] ?? "", route: key["route"] ?? "", method: key["method"] ?? "",
                    window: key["window"] ?? "", lower: nil, estimate: nil, upper: nil)
            switch sample.labels["bound"] {
            case "lower": line.lower = sample.value
            case "upper": line.upper = sample.value
            default: line.estimate = sample.value
            }
            lines[key] = line
        }
        return lines.sorted { $0.key < $1.key }.map(\.value)
    }

    func performance(_ period: Period) throws -> PerformanceSection {
        var section = PerformanceSection()
        let names = inputs.names
        /// The last value of each series in the period, grouped by the labels but `bound`.
        func lastValues(_ name: String, kind: String, metric: ((Labels) -> String)? = nil) throws
            -> [PerformanceSection.MetricLine]
        {
            var lines: [Labels: PerformanceSection.MetricLine] = [:]
            for sample in try vector("last_over_time(\(name)\(period.matcher())[\(period.range)])", at: period.to) {
                let key = sample.labels.withoutName.removing(["bound"])
                var line =
                    lines[key]
                    ?? .init(
                        model: key["model"] ?? "", window: key["window"] ?? "",
                        metric: metric?(key) ?? key["metric"] ?? "", value: .nan, lower: nil, upper: nil, kind: kind)
                switch sample.labels["bound"] {
                case "lower": line.lower = sample.value
                case "upper": line.upper = sample.value
                default: line.value = sample.value
                }
                lines[key] = line
            }
            return Array(lines.values)
        }
        section.metrics =
            try lastValues(names.performance, kind: "realised")
            + lastValues(names.calibrationError, kind: "realised", metric: { _ in "ece" })
            + lastValues(names.labelCoverage, kind: "realised", metric: { _ in "label coverage" })
            + lastValues(names.estimatedPerformance, kind: "estimated")
        section.metrics.removeAll { !$0.value.isFinite }
        section.metrics.sort {
            ($0.model, Self.windowOrder($0.window), $0.kind, $0.metric)
                < ($1.model, Self.windowOrder($1.window), $1.kind, $1.metric)
        }
        (section.reliabilityWindow, section.reliability) = try reliability(period)
        return section
    }

    /// Sorts `1h` before `1d` before `7d`.
    static func windowOrder(_ window: String) -> Int64 { TimeParsing.durationMillis(window) ?? Int64.max }

    /// The period's reliability curve per model: every window of the longest length
    /// published in the period, each bin's mean predicted and observed values
    /// weighted by its events, so the diagram covers the period rather than its last window.
    func reliability(_ period: Period) throws -> (String, [(model: String, bins: [PerformanceSection.ReliabilityBin])])
    {
        var matchers = [LabelMatcher.equal(Labels.metricName, inputs.names.reliability)]
        if let model = period.model { matchers.append(.equal("model", model)) }
        let series = try inputs.querier.select(matchers, from: period.from + 1, through: period.to)
        guard
            let window = Set(series.compactMap { $0.labels["window"] }).max(by: {
                Self.windowOrder($0) < Self.windowOrder($1)
            })
        else { return ("", []) }
        // (model, bin) -> stat -> (time -> value)
        var values: [String: [String: [String: [Timestamp: Double]]]] = [:]
        for line in series where line.labels["window"] == window {
            guard let model = line.labels["model"], let bin = line.labels["bin"], let stat = line.labels["stat"] else {
                continue
            }
            for sample in line.samples {
                values[model, default: [:]][bin, default: [:]][stat, default: [:]][sample.timestamp] = sample.value
            }
        }
        let curves = values.keys.sorted().map { model in
            let bins = values[model]!.compactMap { _, stats -> PerformanceSection.ReliabilityBin? in
                var events = 0.0
                var predicted = 0.0
                var observed = 0.0
                for (time, count) in stats["events"] ?? [:] where count > 0 {
                    guard let p = stats["predicted"]?[time], let o = stats["observed"]?[time], p.isFinite, o.isFinite
                    else { continue }
                    events += count
                    predicted += p * count
                    observed += o * count
                }
                guard events > 0 else { return nil }
                return .init(meanPredicted: predicted / events, observed: observed / events, count: events)
            }.sorted { $0.meanPredicted < $1.meanPredicted }
            return (model: model, bins: bins)
        }.filter { !$0.bins.isEmpty }
        return (window, curves)
    }

    func alerts(_ period: Period) throws -> [IncidentsSection.AlertLine] {
        let series = try matrix(
            "last_over_time(\(inputs.names.alerts){alertstate=\"firing\"}[\(period.stepRange)])", period)
        var lines: [IncidentsSection.AlertLine] = []
        for line in series where !line.samples.isEmpty {
            let labels = line.labels.removing([Labels.metricName, "alertstate"])
            if let model = period.model, let alertModel = labels["model"], alertModel != model { continue }
            let others = labels.removing(["alertname", "severity"])
            lines.append(
                .init(
                    name: labels["alertname"] ?? "", severity: labels["severity"] ?? "",
                    labels: others.pairs.map { "\($0.name)=\($0.value)" }.joined(separator: ", "),
                    firstFiring: max(period.from, line.samples.first!.timestamp - period.step),
                    lastFiring: line.samples.last!.timestamp,
                    firingMillis: Int64(line.samples.count) * period.step))
        }
        return lines.sorted { ($0.firstFiring, $0.name) < ($1.firstFiring, $1.name) }
    }

    /// Each rollout's verdicts in the period, read from the verdict series (1 for the verdict given).
    func canaries(_ period: Period) throws -> [CanaryLine] {
        let series = try inputs.querier.select(
            [.equal(Labels.metricName, inputs.names.canaryVerdict)], from: period.from + 1, through: period.to)
        var given: [String: [(time: Timestamp, verdict: String, labels: Labels)]] = [:]
        for line in series {
            guard let canary = line.labels["canary"], let verdict = line.labels["verdict"] else { continue }
            if let model = period.model, let labelled = line.labels["model"], labelled != model { continue }
            for sample in line.samples where sample.value > 0 {
                given[canary, default: []].append((sample.timestamp, verdict, line.labels))
            }
        }
        return given.keys.sorted().map { canary in
            let evaluations = given[canary]!.sorted { $0.time < $1.time }
            var history: [(verdict: String, count: Int)] = []
            for evaluation in evaluations {
                if let index = history.firstIndex(where: { $0.verdict == evaluation.verdict }) {
                    history[index].count += 1
                } else {
                    history.append((evaluation.verdict, 1))
                }
            }
            let last = evaluations.last!
            return CanaryLine(
                canary: canary, baseline: last.labels["baseline"] ?? "", candidate: last.labels["candidate"] ?? "",
                verdict: last.verdict, at: last.time, history: history)
        }
    }
}
