public import InfermonCore
public import Logging
public import ServiceLifecycle

/// Periodically picks sampled, settled events, judges them (groundedness,
/// user feedback, and the LLM judge when one is configured), stores the
/// verdicts with the scan cursor in one transaction, and writes the rate
/// series with their Wilson intervals through the sample appender.
public final class QualityService: Service, Sendable {
    public static let cursorName = "quality"

    let options: QualityOptions
    let store: any JudgmentStore & GoldJudgmentStore
    let appender: any SampleAppender
    let llmJudge: (any RemoteJudge)?
    let clock: any WallClock
    let logger: Logger
    let scorer: GroundednessScorer
    let counters: CounterBook

    /// `restoredCounters` are the last stored samples of the service's counters
    /// (see `CounterBook.restore`), so `infermon_judge_errors_total` keeps counting across restarts.
    public init(
        options: QualityOptions, store: any JudgmentStore & GoldJudgmentStore, appender: any SampleAppender,
        llmJudge: (any RemoteJudge)? = nil, restoredCounters: [Labels: Sample] = [:],
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) {
        self.options = options
        self.store = store
        self.appender = appender
        self.llmJudge = llmJudge
        self.clock = clock
        self.logger = logger
        self.scorer = GroundednessScorer(options: options.groundedness)
        self.counters = CounterBook(restored: restoredCounters)
    }

    public func run() async throws {
        var lastPrune: Timestamp = 0
        if let llmJudge {
            do {
                try await llmJudge.restoreUsage(from: store, now: clock.now())
            } catch {
                logger.error("cannot restore the judge's usage; caps start from zero", metadata: ["error": "\(error)"])
            }
        }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await runOnce()
                let now = clock.now()
                if now - lastPrune >= 3_600_000 {
                    let removed = try await store.pruneJudgments(before: now - options.judgmentRetention.millis)
                    if removed > 0 { logger.info("old judgments removed", metadata: ["count": "\(removed)"]) }
                    _ = try await store.pruneLabels(
                        before: now - max(options.judgmentRetention, options.gold.horizon).millis)
                    lastPrune = now
                }
            } catch {
                logger.error("quality evaluation failed", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await self.clock.sleep(for: self.options.interval) }
        }
    }

    /// One pass: judge everything settled since the cursor, then publish rates.
    /// Returns how many events were judged.
    @discardableResult
    public func runOnce() async throws -> Int {
        let now = clock.now()
        var judged = 0
        var cursor = try await store.judgeCursor(Self.cursorName)
        while !Task.isCancelled {
            let rows = try await store.scanEvents(afterEventID: cursor, limit: options.pageSize)
            guard !rows.isEmpty else { break }
            var settled: [JudgeScanRow] = []
            var blocked = false
            for row in rows {
                let isFuture = row.timestamp > now + options.maximumClockSkew.millis
                if row.timestamp > now - options.settleTime.millis && !isFuture {
                    blocked = true
                    break
                }
                settled.append(row)
            }
            guard let last = settled.last else { break }
            let sampled = settled.filter {
                $0.hasResponse
                    && options.sampler.isSampled(
                        requestID: $0.requestID, timestamp: $0.timestamp, model: $0.model, route: $0.route)
            }
            let candidates = try await store.candidates(eventIDs: sampled.map(\.eventID))
            let judgments = await judge(candidates, at: now)
            try await store.record(judgments, cursor: Self.cursorName, position: last.eventID)
            judged += candidates.count
            cursor = last.eventID
            if blocked || rows.count < options.pageSize { break }
        }
        try await publish(at: now)
        return judged
    }

    private func judge(_ candidates: [JudgeCandidate], at now: Timestamp) async -> [Judgment] {
        var judgments: [Judgment] = []
        func record(_ candidate: JudgeCandidate, _ judge: String, _ outcome: JudgeOutcome) {
            judgments.append(
                Judgment(
                    eventID: candidate.eventID, requestID: candidate.requestID, eventTimestamp: candidate.timestamp,
                    judgedAt: now, judge: judge, model: candidate.model, route: candidate.route,
                    verdict: outcome.verdict, score: outcome.score, reason: String(outcome.reason.prefix(500)),
                    cost: outcome.cost, failed: outcome.status == .failed))
        }
        for candidate in candidates {
            guard let response = candidate.response, !response.isEmpty else { continue }
            if options.groundednessEnabled, let context = candidate.context, !context.isEmpty {
                let result = scorer.score(response: response, context: context, prompt: candidate.prompt)
                record(
                    candidate, QualityMetrics.groundednessJudge,
                    JudgeOutcome(verdict: result.verdict, score: result.scoreIfJudged, reason: result.reason))
            }
            if options.feedbackEnabled,
                let outcome = FeedbackJudge.judge(
                    feedback: candidate.feedback, thumbsDownAtOrBelow: options.thumbsDownAtOrBelow)
            {
                record(candidate, QualityMetrics.feedbackJudge, outcome)
            }
        }
        guard let llmJudge else { return judgments }
        let eligible = candidates.filter { !($0.response ?? "").isEmpty }
        let outcomes = await withTaskGroup(of: (Int, JudgeOutcome).self) { group in
            var results: [(Int, JudgeOutcome)] = []
            var next = 0
            let width = max(1, options.llmConcurrency)
            while next < eligible.count && next < width {
                let index = next
                group.addTask { (index, await llmJudge.judge(eligible[index])) }
                next += 1
            }
            while let result = await group.next() {
                results.append(result)
                if next < eligible.count {
                    let index = next
                    group.addTask { (index, await llmJudge.judge(eligible[index])) }
                    next += 1
                }
            }
            return results.sorted { $0.0 < $1.0 }
        }
        for (index, outcome) in outcomes where outcome.status != .skipped {
            let candidate = eligible[index]
            record(candidate, llmJudge.name, outcome)
            if outcome.status == .failed {
                counters.add(
                    1, to: Labels(name: QualityMetrics.judgeErrors, ["judge": llmJudge.name, "model": candidate.model]))
                logger.debug(
                    "judge failed", metadata: ["event": "\(candidate.eventID)", "reason": "\(outcome.reason)"])
            }
            if outcome.cost > 0 {
                counters.add(outcome.cost, to: Labels(name: QualityMetrics.judgeCost, ["judge": llmJudge.name]))
            }
        }
        return judgments
    }

    /// Writes every window's rates and counts, stale markers for rates that fell
    /// below the minimum, the truth labels' join state, and the counters that changed.
    private func publish(at now: Timestamp) async throws {
        let rates = RateSeries(minimumSamples: options.minimumSamples)
        let estimates = HallucinationEstimates(
            gold: options.gold, minimumSamples: options.minimumSamples, calibrations: try await calibrations())
        var samples: [(labels: Labels, sample: Sample)] = []
        for duration in options.windows {
            let window = duration.millis
            let counts = try await store.verdictCounts(from: now - window, through: now)
            samples += rates.samples(
                counts.filter { $0.judge == QualityMetrics.feedbackJudge }, window: window, at: now)
            let events = try await store.scoredEvents(policy: goldPolicy, from: now - window, through: now)
            samples += estimates.samples(events, window: window, at: now)
        }
        let labels = try await store.labelCounts(
            name: options.gold.labelName, horizon: options.gold.horizon.millis, now: now)
        for (state, count) in [
            ("joined", labels.joined), ("pending", labels.pending), ("orphaned", labels.orphaned),
            ("never_labelled", labels.neverLabelled),
        ] {
            samples.append(
                (
                    Labels(name: QualityMetrics.truthLabels, ["name": options.gold.labelName, "state": state]),
                    Sample(now, Double(count))
                ))
        }
        samples += counters.staleMarkersAndCounters(publishedRates: RateSeries.rateLabels(samples), at: now)
        if !samples.isEmpty { try await appender.append(samples) }
    }

    /// Gold sources as stored: `judge` names the LLM judge's judgments.
    var goldPolicy: GoldPolicy {
        GoldPolicy(
            labelName: options.gold.labelName,
            sources: options.gold.sources.map { $0 == "judge" ? (llmJudge?.name ?? "llm") : $0 },
            scorer: QualityMetrics.groundednessJudge)
    }

    /// The calibrations `infermon quality calibrate` stored, read every pass so a
    /// new fit applies without a restart; unreadable documents are skipped.
    func calibrations() async throws -> [HallucinationEstimates.RouteKey: ScoreCalibration] {
        var result: [HallucinationEstimates.RouteKey: ScoreCalibration] = [:]
        for document in try await store.calibrations() {
            guard let calibration = try? ScoreCalibration(json: document) else {
                logger.warning("unreadable scorer calibration skipped")
                continue
            }
            result[HallucinationEstimates.RouteKey(model: calibration.model, route: calibration.route)] = calibration
        }
        return result
    }
}
