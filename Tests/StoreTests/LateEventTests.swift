import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

/// Events that arrive after a later interval of their label set was opened (a
/// late log line, a backfill after live traffic, two files read at different
/// lags) count in their own interval, so every counter sample, checked against
/// a plain count of the raw events, says what had happened by then.
@Suite("Late events")
struct LateEventTests {
    static let minute: Int64 = 60_000
    static let now: Timestamp = 1_800_000_000_000 - 1_800_000_000_000 % 60_000

    @Test(arguments: [1, 2, 3])
    func countersAtEveryIntervalAgreeWithTheRawEvents(seed: UInt64) throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(
            path: directory.file("late.db"), clock: ManualClock(now: Self.now + 300 * Self.minute),
            logger: Logger(label: "t"))
        var random = SeededRandom(seed: seed)
        var written: [InferenceEvent] = []
        // Eight batches; each mostly moves forward, but a third of its events are
        // up to 40 minutes late, some before the label set's first interval.
        var clock = Self.now
        for batchIndex in 0..<8 {
            var batch: [InferenceEvent] = []
            for index in 0..<150 {
                clock += Int64(random.next() % 9_000)
                let late = random.next() % 3 == 0
                let time = late ? clock - Int64(random.next() % UInt64(40 * Self.minute)) : clock
                batch.append(
                    InferenceEvent(
                        timestamp: time, requestID: "b\(batchIndex)-\(index)", model: index % 4 == 0 ? "a" : "b",
                        latency: Double(random.next() % 5_000) / 1000, promptTokens: Int(random.next() % 100)))
            }
            try store.writeSynchronously(IngestBatch(events: batch))
            written += batch
        }
        let from = Self.now - 45 * Self.minute
        let through = clock + 2 * Self.minute
        for model in ["a", "b"] {
            let mine = written.filter { $0.model == model }
            let requests = try #require(
                try store.select(
                    [.equal("__name__", "infermon_requests_total"), .equal("model", model)], from: from,
                    through: through
                ).first)
            let tokens = try #require(
                try store.select(
                    [.equal("__name__", "infermon_tokens_total"), .equal("model", model), .equal("type", "input")],
                    from: from, through: through
                ).first)
            #expect(requests.samples.count > 10)
            for sample in requests.samples {
                // A sample at an interval's end counts what happened before it; the
                // open interval's sample sits at its newest event and counts it.
                let expected = mine.filter { Self.countedBy(sample.timestamp, $0.timestamp) }.count
                #expect(sample.value == Double(expected), "model \(model) at \(sample.timestamp)")
            }
            for sample in tokens.samples {
                let expected = mine.filter { Self.countedBy(sample.timestamp, $0.timestamp) }
                    .reduce(0) { $0 + ($1.promptTokens ?? 0) }
                #expect(sample.value == Double(expected), "tokens of \(model) at \(sample.timestamp)")
            }
            #expect(requests.samples.last?.value == Double(mine.count))
        }
    }

    /// Whether an event at `time` is in a counter sample taken at `sampleTime`:
    /// its interval ended by then, or it is the open interval's newest event or older.
    static func countedBy(_ sampleTime: Timestamp, _ time: Timestamp) -> Bool {
        let bucketEnd = time - time % minute + minute
        return bucketEnd <= sampleTime || (sampleTime % minute != 0 && time <= sampleTime)
    }
}
