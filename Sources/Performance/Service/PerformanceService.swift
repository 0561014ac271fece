public import InfermonCore
public import Logging
public import ServiceLifecycle

/// Joins predictions with their late labels and keeps every window's performance
/// up to date: each pass recomputes the windows that just completed and those
/// whose predictions received labels since the last pass, and rewrites their
/// samples in place (`BackfillAppender`), stamped at each window's end. Once an
/// hour (and at start) every window within the horizon is recomputed, which also
/// picks up labels stamped with an old `time` and events that arrived late.
public actor PerformanceService: Service {
    let options: PerformanceOptions
    let store: any PredictionStore
    let backfill: any BackfillAppender
    let appender: any SampleAppender
    let clock: any WallClock
    let logger: Logger
    let evaluator: WindowEvaluator
    private var lastPass: Timestamp?
    private var lastFullPass: Timestamp?
    private var lastPrune: Timestamp = 0
    private var references: [String: EstimationReference] = [:]

    /// A full pass (every window in the horizon) at least this often.
    static let fullPassInterval: Int64 = 3_600_000

    /// How long before the last pass a label may have been received and still
    /// be looked for again. A label is stamped when its request is read and is
    /// seen once its write commits: one stamped just before a pass and committed
    /// just after it would otherwise fall between two passes and wait for the
    /// hourly full pass (on a loaded machine a PostgreSQL test waited 90 s for
    /// it in vain). A store write gives up within a minute (PostgreSQL's write
    /// timeout; SQLite's queue is faster), so two minutes cover it; a window
    /// found twice is recomputed to the same value.
    static let labelCommitAllowance: Int64 = 120_000

    public init(
        options: PerformanceOptions, store: any PredictionStore, backfill: any BackfillAppender,
        appender: any SampleAppender, clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
        self.options = options
        self.store = store
        self.backfill = backfill
        self.appender = appender
        self.clock = clock
        self.logger = logger
        self.evaluator = WindowEvaluator(options: options)
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await runOnce()
            } catch {
                logger.error("performance evaluation failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown {
                try await self.clock.sleep(for: self.options.interval)
            }
        }
    }

    /// One pass; returns how many model windows were recomputed.
    @discardableResult
    public func runOnce() async throws -> Int {
        let now = clock.now()
        let full = lastFullPass.map { now - $0 >= Self.fullPassInterval } ?? true
        if full {
            references = try await Self.references(options: options, store: store, now: now)
        }
        var dirty: [Int64: Set<Timestamp>] = [:]
        let horizon = options.horizon.millis
        for length in options.windows.map(\.millis) {
            let after = full ? now - horizon - length : (lastPass ?? now)
            dirty[length] = Set(WindowEvaluator.windowStarts(length: length, endingAfter: after, through: now))
        }
        if !full, let lastPass {
            let since = lastPass - Self.labelCommitAllowance
            for time in try await store.predictionTimesLabelled(labelName: options.labelName, receivedSince: since) {
                for length in options.windows.map(\.millis) {
                    let start = floorDivide(time, length) * length
                    if start + length <= now { dirty[length, default: []].insert(start) }
                }
            }
        }
        var recomputed = 0
        for (length, starts) in dirty.sorted(by: { $0.key < $1.key }) {
            var samples: [(labels: Labels, sample: Sample)] = []
            for start in starts.sorted() {
                let windows = try await Self.evaluate(
                    evaluator: evaluator, store: store, start: start, length: length, model: nil,
                    references: references)
                for window in windows { samples += evaluator.samples(window, length: length) }
                recomputed += windows.count
                if samples.count >= 5000 {
                    try await backfill.upsert(samples)
                    samples.removeAll(keepingCapacity: true)
                }
            }
            if !samples.isEmpty { try await backfill.upsert(samples) }
        }
        try await publishLabelCounts(now: now)
        if now - lastPrune >= 3_600_000 {
            let removed = try await store.pruneLabels(
                named: options.labelName, before: now - options.labelRetention.millis)
            if removed > 0 { logger.info("old truth labels removed", metadata: ["count": "\(removed)"]) }
            lastPrune = now
        }
        lastPass = now
        if full { lastFullPass = now }
        return recomputed
    }

    private func publishLabelCounts(now: Timestamp) async throws {
        let counts = try await store.predictionLabelCounts(
            labelName: options.labelName, horizon: options.horizon.millis, now: now)
        // Nothing to say while no label of this name and no prediction past the horizon
        // exists: a daemon that does not use the stage shows no series for it.
        guard counts.joined + counts.pending + counts.orphaned + counts.neverLabelled > 0 else { return }
        var samples: [(labels: Labels, sample: Sample)] = []
        for (state, count) in [
            ("joined", counts.joined), ("pending", counts.pending), ("orphaned", counts.orphaned),
            ("never_labelled", counts.neverLabelled),
        ] {
            samples.append(
                (
                    Labels(name: PerformanceMetrics.truthLabels, ["name": options.labelName, "state": state]),
                    Sample(now, Double(count))
                ))
        }
        try await appender.append(samples)
    }

    /// Every model's window `[start, start + length)`.
    public static func evaluate(
        evaluator: WindowEvaluator, store: any PredictionStore, start: Timestamp, length: Int64, model: String?,
        references: [String: EstimationReference]
    ) async throws -> [WindowPerformance] {
        let predictions = try await store.labelledPredictions(
            labelName: evaluator.options.labelName, horizon: evaluator.options.horizon.millis, from: start,
            through: start + length - 1, model: model)
        var byModel: [String: [LabelledPrediction]] = [:]
        for prediction in predictions { byModel[prediction.model, default: []].append(prediction) }
        return byModel.sorted { $0.key < $1.key }.map { model, rows in
            evaluator.evaluate(
                model: model, predictions: rows, start: start, end: start + length, reference: references[model])
        }
    }

    /// Per model, the labelled reference the estimates use: the `referenceLength`
    /// of predictions that ends where the horizon starts, so their labels are in.
    public static func references(options: PerformanceOptions, store: any PredictionStore, now: Timestamp)
        async throws -> [String: EstimationReference]
    {
        let through = now - options.horizon.millis
        let predictions = try await store.labelledPredictions(
            labelName: options.labelName, horizon: options.horizon.millis,
            from: through - options.referenceLength.millis,
            through: through, model: nil)
        var byModel: [String: [LabelledPrediction]] = [:]
        for prediction in predictions { byModel[prediction.model, default: []].append(prediction) }
        var result: [String: EstimationReference] = [:]
        for (model, rows) in byModel where options.task(for: model).kind == .binaryClassification {
            result[model] = EstimationReference(
                rows, task: options.task(for: model), method: options.calibration, minimum: options.minimumSamples)
        }
        return result
    }
}
