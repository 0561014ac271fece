public import InfermonCore
public import Logging
public import ServiceLifecycle
import Synchronization

/// Runs the detectors on a schedule inside `infermon serve` and writes their
/// results as series: drift per model and field, outlier rates, seasonal anomaly
/// scores and change points of quality series.
public struct DetectorService: Service {
    let reader: any EventWindowReader
    let baselines: (any DriftBaselineStore)?
    let appender: any SampleAppender
    let options: DetectorOptions
    let clock: any WallClock
    let logger: Logger
    let state: DetectorStateBox

    public init(
        reader: any EventWindowReader, baselines: (any DriftBaselineStore)?, appender: any SampleAppender,
        options: DetectorOptions, clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
        self.reader = reader
        self.baselines = baselines
        self.appender = appender
        self.options = options
        self.clock = clock
        self.logger = logger
        self.state = DetectorStateBox(DetectorState(options: options))
    }

    public func run() async throws {
        var next = clock.now()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let report = try await evaluate(now: clock.now())
                logger.debug("detectors evaluated", metadata: ["samples": "\(report.samples.count)"])
            } catch {
                logger.error("detector evaluation failed", metadata: ["error": "\(error)"])
            }
            next += options.interval.millis
            if next <= clock.now() { next = clock.now() + options.interval.millis }
            let deadline = next
            try? await cancelWhenGracefulShutdown { try await clock.sleep(until: deadline) }
        }
    }

    /// What one evaluation produced.
    public struct Report: Sendable {
        public var drift: [ModelDrift]
        public var samples: [(labels: Labels, sample: Sample)]
    }

    /// Runs every detector once for the window ending at `now` and appends the results.
    @discardableResult
    public func evaluate(now: Timestamp) async throws -> Report {
        let current = try reader.eventColumns(
            EventWindowQuery(
                from: now - options.window.millis + 1, through: now, responsePrefixLength: options.responsePrefixLength,
                limitPerModel: options.maximumEventsPerModel))
        let (reference, referenceSamples) = try referenceWindow(now: now)
        var drift = DriftEvaluation.compare(
            reference: referenceSamples, current: current, settings: options.drift, excluded: options.excludedFields)
        let grouped = groupedReference(reference: reference)
        for label in options.groupBy {
            guard let groupedSamples = grouped[label] else { continue }
            drift += DriftEvaluation.compare(
                groupedReference: groupedSamples, current: current, by: label, settings: options.drift,
                excluded: options.excludedFields)
        }
        var samples = Self.driftSamples(drift, at: now)
        let stepFrom = now - options.interval.millis + 1
        let referenceByModel = Dictionary(reference.map { ($0.model, $0) }, uniquingKeysWith: { first, _ in first })
        let seconds = Double(options.interval.millis) / 1000
        state.withLock { state in
            for columns in current {
                let step = FieldExtraction.slice(columns, from: stepFrom, through: now)
                samples += outlierSamples(step: step, reference: referenceByModel[columns.model], at: now)
                samples += state.observe(
                    model: columns.model, traffic: StepSeries.traffic(step, seconds: seconds),
                    quality: StepSeries.quality(step, judgeFeature: options.judgeScoreFeature), at: now)
            }
            // Models that went silent still count: a request rate of zero is news.
            for model in state.knownModels.subtracting(current.map(\.model)) {
                samples += state.observe(model: model, traffic: ["request_rate": 0], quality: [:], at: now)
            }
        }
        if !samples.isEmpty { try await appender.append(samples) }
        return Report(drift: drift, samples: samples)
    }

    /// The reference columns and their sorted samples, from the cache while valid.
    /// A fixed range or a baseline never changes; a previous period is re-read when
    /// it has moved on by a 24th of its length (an hour for the default day), so a
    /// one-minute schedule does not re-read and re-sort a day of events every minute.
    func referenceWindow(now: Timestamp) throws -> ([EventColumns], ReferenceSamples) {
        if let cached = state.withLock({ $0.cachedReference }) {
            switch options.reference {
            case .previousPeriod(let length):
                if now - cached.readAt < max(length.millis / 24, options.interval.millis) {
                    return (cached.columns, cached.samples)
                }
            case .fixed, .baseline:
                return (cached.columns, cached.samples)
            }
        }
        let columns: [EventColumns]
        switch options.reference {
        case .previousPeriod(let length):
            let end = now - options.window.millis
            columns = try reader.eventColumns(
                EventWindowQuery(
                    from: end - length.millis + 1, through: end, responsePrefixLength: options.responsePrefixLength,
                    limitPerModel: options.maximumEventsPerModel))
        case .fixed(let from, let through):
            columns = try reader.eventColumns(
                EventWindowQuery(
                    from: from, through: through, responsePrefixLength: options.responsePrefixLength,
                    limitPerModel: options.maximumEventsPerModel))
        case .baseline(let name):
            guard let baselines, let baseline = try baselines.baseline(named: name) else {
                throw InfermonError.invalidArgument(
                    "no drift baseline named \"\(name)\"; save one with `infermon baseline save`")
            }
            columns = baseline.columns
        }
        let samples = ReferenceSamples(columns, excluded: options.excludedFields)
        // A reference too small to test (the daemon started before its data
        // arrived, or a backfill is under way) is read again next time rather
        // than kept for an hour with drift shown as unknown.
        let rows = columns.reduce(0) { $0 + $1.timestamps.count }
        if rows >= options.drift.minimumSamples {
            state.withLock { $0.cachedReference = CachedReference(readAt: now, columns: columns, samples: samples) }
        }
        return (columns, samples)
    }

    /// The reference split by each `groupBy` label, kept with the cached reference.
    func groupedReference(reference: [EventColumns])
        -> [String: ReferenceSamples]
    {
        guard !options.groupBy.isEmpty else { return [:] }
        // `referenceWindow` has just refreshed the cache when the reference moved, dropping its groups.
        if let grouped = state.withLock({ $0.cachedReference?.grouped }) { return grouped }
        var grouped: [String: ReferenceSamples] = [:]
        for label in options.groupBy {
            grouped[label] = DriftEvaluation.groupedReference(reference, by: label, excluded: options.excludedFields)
        }
        state.withLock { $0.cachedReference?.grouped = grouped }
        return grouped
    }

    static func driftSamples(_ drift: [ModelDrift], at time: Timestamp) -> [(labels: Labels, sample: Sample)] {
        var samples: [(labels: Labels, sample: Sample)] = []
        for model in drift {
            for field in model.fields {
                var labels = ["field": field.field, "test": field.test.rawValue, "model": model.model]
                labels.merge(model.labels) { current, _ in current }
                if field.isTested {
                    samples.append((Labels(name: DetectorMetrics.driftScore, labels), Sample(time, field.statistic)))
                    if !field.pValue.isNaN {
                        samples.append((Labels(name: DetectorMetrics.driftPValue, labels), Sample(time, field.pValue)))
                    }
                }
                samples.append(
                    (Labels(name: DetectorMetrics.driftDetected, labels), Sample(time, field.isDrift ? 1 : 0)))
            }
        }
        return samples
    }

    /// Outlier rates of the step's latency, tokens and cost, scored against the
    /// reference window's median and MAD (the step's own when the reference has too few).
    func outlierSamples(step: EventColumns, reference: EventColumns?, at time: Timestamp)
        -> [(labels: Labels, sample: Sample)]
    {
        let fields: [(String, OutlierTransform)] = [
            (EventColumnName.latency, .log), (EventColumnName.promptTokens, .log1p),
            (EventColumnName.completionTokens, .log1p), (EventColumnName.cost, .log),
        ]
        var samples: [(labels: Labels, sample: Sample)] = []
        for (name, transform) in fields {
            guard let values = step.numeric[name] else { continue }
            let referenceValues = reference?.numeric[name] ?? []
            let usable = referenceValues.filter { transform.apply($0) != nil }.count
            let basis = usable >= options.drift.minimumSamples ? referenceValues : values
            guard let scale = RobustScale(basis, transform: transform) else { continue }
            let rate = OutlierRate(values: values, scale: scale, cut: options.outlierCut)
            guard rate.scored > 0 else { continue }
            samples.append(
                (
                    Labels(name: DetectorMetrics.outlierRate, ["model": step.model, "field": name]),
                    Sample(time, rate.rate)
                ))
        }
        return samples
    }
}

/// A reference window as read, and when.
struct CachedReference: Sendable {
    var readAt: Timestamp
    var columns: [EventColumns]
    var samples: ReferenceSamples
    /// The same reference split by each `groupBy` label, built on first use.
    var grouped: [String: ReferenceSamples]?
}

/// Holds the state behind a lock; a class so the service itself stays copyable.
final class DetectorStateBox: Sendable {
    private let mutex: Mutex<DetectorState>
    init(_ state: DetectorState) { mutex = Mutex(state) }
    func withLock<T>(_ body: (inout DetectorState) throws -> T) rethrows -> T { try mutex.withLock { try body(&$0) } }
}

/// The detectors' memory between evaluations.
struct DetectorState: Sendable {
    let options: DetectorOptions
    var anomaly: [String: AnomalyScorer] = [:]
    var changes: [String: CUSUMDetector] = [:]
    var knownModels: Set<String> = []
    var cachedReference: CachedReference?

    init(options: DetectorOptions) { self.options = options }

    mutating func observe(model: String, traffic: [String: Double], quality: [String: Double], at time: Timestamp)
        -> [(labels: Labels, sample: Sample)]
    {
        knownModels.insert(model)
        var samples: [(labels: Labels, sample: Sample)] = []
        for (series, value) in traffic.sorted(by: { $0.key < $1.key }) {
            let key = model + "\u{0}" + series
            var scorer =
                anomaly[key]
                ?? AnomalyScorer(
                    smoothing: options.anomalySmoothing, baseline: SeasonalBaseline(settings: options.seasonal))
            if let score = scorer.observe(value, at: time) {
                samples.append(
                    (
                        Labels(name: DetectorMetrics.anomalyScore, ["series": series, "model": model]),
                        Sample(time, score)
                    ))
            }
            anomaly[key] = scorer
        }
        for (series, value) in quality.sorted(by: { $0.key < $1.key }) {
            let key = model + "\u{0}" + series
            var detector = changes[key] ?? CUSUMDetector(settings: options.changePoint)
            let warming = detector.isWarmingUp
            let change = detector.observe(value)
            changes[key] = detector
            if warming { continue }
            samples.append(
                (
                    Labels(name: DetectorMetrics.changePoint, ["series": series, "model": model]),
                    Sample(time, change == nil ? 0 : 1)
                ))
        }
        return samples
    }
}
