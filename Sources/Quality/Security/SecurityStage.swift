public import InfermonCore
import Synchronization

/// The ingest hook: scans every event of a batch, replaces secrets in its
/// prompt, response and context (and in unknown attributes and the excerpts of
/// rejected lines) before the batch reaches the store, and adds
/// the cumulative `infermon_security_findings_total{kind,model,field}` samples
/// to the batch, so counts and events commit in one transaction.
///
/// Counter totals live in memory and are restored at startup from the last
/// stored sample of each series. A batch whose write fails after this stage
/// ran has still been counted; when the collector retries it, its findings
/// are counted twice. Counters can only over-count this way, never lose a
/// finding, and only on storage errors.
///
/// With a store several daemons share, each daemon's series carry its
/// `instance` label, so each series is one daemon's monotonic counter and
/// `sum(...)` over them counts every daemon's findings once.
public final class SecurityStage: IngestStage {
    public static let metricName = "infermon_security_findings_total"

    private struct State {
        var totals: [Labels: Double]
        var lastTimestamps: [Labels: Timestamp] = [:]
        /// Totals the last batch changed, as they were before it, in case it is not stored.
        var beforeLastBatch: [Labels: Double?] = [:]
    }

    public let scanner: SecurityScanner
    private let clock: any WallClock
    private let state: Mutex<State>
    /// The `instance` label set on every series, or nil for none (one daemon per store).
    public let instance: String?

    public init(
        scanner: SecurityScanner, clock: any WallClock = SystemWallClock(), restoredTotals: [Labels: Sample] = [:],
        instance: String? = nil
    ) {
        self.instance = instance
        self.scanner = scanner
        self.clock = clock
        var initial = State(totals: [:])
        for (labels, sample) in restoredTotals {
            initial.totals[labels] = sample.value
            initial.lastTimestamps[labels] = sample.timestamp
        }
        state = Mutex(initial)
    }

    /// The last stored value of every findings series, read through the store's
    /// query protocol over `lookback` (the samples' retention). With `instance`,
    /// only that daemon's series.
    public static func restoreTotals(
        from querier: any SeriesQuerier, now: Timestamp, lookback: Duration, instance: String? = nil
    ) throws -> [Labels: Sample] {
        var matchers = [LabelMatcher.equal(Labels.metricName, metricName)]
        if let instance { matchers.append(.equal("instance", instance)) }
        var totals: [Labels: Sample] = [:]
        for series in try querier.select(matchers, from: now - lookback.millis, through: now) {
            if let last = series.samples.last(where: { !$0.isStaleMarker }) { totals[series.labels] = last }
        }
        return totals
    }

    public func process(_ batch: inout IngestBatch) async throws {
        var counts: [Labels: Int] = [:]
        for index in batch.events.indices {
            let model = batch.events[index].model
            scanField(&batch.events[index].prompt, field: .prompt, model: model, counts: &counts)
            scanField(&batch.events[index].response, field: .response, model: model, counts: &counts)
            scanField(&batch.events[index].context, field: .context, model: model, counts: &counts)
            if let attributes = batch.events[index].attributes,
                let redacted = scanner.redactSensitiveData(attributes)
            {
                batch.events[index].attributes = redacted
            }
        }
        // A rejected line is kept as an excerpt for debugging; it must not keep a secret either.
        for index in batch.deadLetters.indices {
            let excerpt = String(decoding: batch.deadLetters[index].excerpt, as: UTF8.self)
            if let redacted = scanner.redactSensitiveData(excerpt) {
                batch.deadLetters[index].excerpt = Array(redacted.utf8)
            }
        }
        state.withLock { $0.beforeLastBatch = [:] }
        guard !counts.isEmpty else { return }
        let now = clock.now()
        let samples = state.withLock { state -> [(labels: Labels, sample: Sample)] in
            var out: [(labels: Labels, sample: Sample)] = []
            for (labels, count) in counts.sorted(by: { $0.key < $1.key }) {
                state.beforeLastBatch[labels] = .some(state.totals[labels])
                let total = state.totals[labels, default: 0] + Double(count)
                state.totals[labels] = total
                // The store refuses a second sample at the same millisecond; keep each series strictly increasing.
                let timestamp = max(now, (state.lastTimestamps[labels] ?? Timestamp.min) + 1)
                state.lastTimestamps[labels] = timestamp
                out.append((labels, Sample(timestamp, total)))
            }
            return out
        }
        batch.samples += samples
    }

    /// The last batch was not stored: its findings are counted when it is sent again.
    public func batchNotStored() async {
        state.withLock { state in
            for (labels, before) in state.beforeLastBatch { state.totals[labels] = before }
            state.beforeLastBatch = [:]
        }
    }

    /// The current totals, for `/metrics` and tests.
    public var totals: [Labels: Double] { state.withLock { $0.totals } }

    private func scanField(_ text: inout String?, field: TextField, model: String, counts: inout [Labels: Int]) {
        guard let value = text, !value.isEmpty else { return }
        let result = scanner.scan(value, field: field)
        guard !result.findings.isEmpty else { return }
        for finding in result.findings {
            var labels = Labels([
                Label(Labels.metricName, Self.metricName), Label("kind", finding.kind.rawValue),
                Label("model", model), Label("field", field.rawValue),
            ])
            if let instance { labels = labels.setting("instance", to: instance) }
            counts[labels, default: 0] += 1
        }
        if let redacted = result.redacted { text = redacted }
    }
}
