import InfermonCore
import InfermonTesting
import Logging
import Testing

@testable import Store

/// Closed hours of rollup rows are also kept as column blocks, which long
/// counter reads use instead of the rows. A block is only a copy: every answer
/// must be what the rows alone give, through late events, a label set that
/// lags the others into sealed hours, and retention.
@Suite("Rollup blocks")
struct RollupBlockTests {
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000

    @Test(arguments: [1, 2, 3])
    func blockColumnsDecodeToTheRows(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let interval: Int64 = 15_000
        let start: Timestamp = 1_800_000_000_000 - 1_800_000_000_000 % Self.hour
        var totals = CumulativeTotals()
        var rows: [RollupRow] = []
        var bucket = start
        for _ in 0..<200 {
            bucket += interval * Int64(1 + random.next() % 3)
            guard bucket < start + Self.hour else { break }
            let requests = Int64(random.next() % 4)
            totals.requests += requests
            totals.latencyCount += requests
            totals.latencySum += Double(random.next() % 10_000) / 997
            totals.latencyBins[Int(random.next() % UInt64(totals.latencyBins.count))] += UInt64(requests)
            if random.next() % 3 == 0 { totals.ttftBins[Int(random.next() % 5)] += 1 }
            totals.inputTokens += Int64(random.next() % 2_000)
            totals.cost += random.next() % 2 == 0 ? 0 : Double(random.next() % 100) / 1e4
            rows.append(
                RollupRow(
                    bucket: bucket, lastTimestamp: bucket + Int64(random.next() % UInt64(interval)), totals: totals))
        }
        let encoded = RollupBlock.encode(rows, interval: interval, start: start)
        try encoded.withUnsafeBytes { bytes in
            let block = try RollupBlockReader(bytes)
            #expect(block.rows == rows.count)
            let buckets = block.buckets(start: start, interval: interval)
            #expect(buckets == rows.map(\.bucket))
            #expect(
                rows.indices.map { block.lastTimestamp(row: $0, bucket: rows[$0].bucket) } == rows.map(\.lastTimestamp))
            #expect(try block.values(.requests) == rows.map { Double($0.totals.requests) })
            #expect(try block.values(.latencySum) == rows.map(\.totals.latencySum))
            #expect(try block.values(.inputTokens) == rows.map { Double($0.totals.inputTokens) })
            #expect(try block.values(.cost) == rows.map(\.totals.cost))
            let bins = rows[0].totals.latencyBins.count
            let expected = rows.flatMap { row in
                var running: UInt64 = 0
                return row.totals.latencyBins.map {
                    running += $0
                    return Double(running)
                }
            }
            #expect(block.cumulativeBins(.latencyBins, bins: bins) == expected)
        }
        // Rows of about 30 bytes in all columns, against ~100 in `rollups`.
        #expect(encoded.count < rows.count * 40, "\(encoded.count) bytes for \(rows.count) rows")
    }

    @Test(arguments: [1, 2])
    func answersFromBlocksEqualTheRowsThroughLateAndLaggingWrites(seed: UInt64) throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("blocks.db")
        // Stamped relative to now: the store's clock is the wall clock.
        // Twelve hours ending about an hour before now, whatever the minute: the reads
        // below are a while apart, and data stamped after now would show more in the later one.
        let now = SystemWallClock().now()
        let begin = now - now % Self.hour - 13 * Self.hour
        let options = StoreOptions(rollupInterval: .seconds(15))
        let store = try SQLiteStore(path: path, options: options, logger: Logger(label: "t"))
        var random = SeededRandom(seed: seed)
        var written: [InferenceEvent] = []
        var clock = begin
        // Twelve hours of three label sets in batches; a sixth of the events come up
        // to three hours late, and model "lag" is written two hours behind the rest,
        // so it keeps writing into hours already sealed.
        for batchIndex in 0..<48 {
            var batch: [InferenceEvent] = []
            for index in 0..<120 {
                clock += Int64(random.next() % 5_000) + 5_000
                let late = random.next() % 6 == 0
                var time = late ? clock - Int64(random.next() % UInt64(3 * Self.hour)) : clock
                let model = ["a", "b", "lag"][index % 3]
                if model == "lag" { time -= 2 * Self.hour }
                batch.append(
                    InferenceEvent(
                        timestamp: max(begin, time), requestID: "\(batchIndex)-\(index)", model: model,
                        latency: Double(random.next() % 5_000) / 1000, promptTokens: Int(random.next() % 100),
                        completionTokens: 7))
            }
            try store.writeSynchronously(IngestBatch(events: batch))
            written += batch
        }
        let blocks = try store.withReadConnection { try $0.scalarInt("SELECT count(*) FROM rollup_blocks") }
        #expect(blocks >= 20, "hours sealed for three label sets")

        let queries: [[LabelMatcher]] = [
            [.equal("__name__", "infermon_requests_total")],
            [.equal("__name__", "infermon_request_duration_seconds_bucket"), .equal("le", "0.64")],
            [.equal("__name__", "infermon_request_duration_seconds_sum")],
            [.equal("__name__", "infermon_tokens_total")],
        ]
        let ranges: [(Timestamp, Timestamp)] = [
            (begin - Self.hour, clock + Self.minute), (begin + 90 * Self.minute, begin + 7 * Self.hour + 17_000),
            (begin + 5 * Self.hour, begin + 5 * Self.hour),
        ]
        func answers(_ store: SQLiteStore) throws -> [[Series]] {
            try queries.flatMap { query in try ranges.map { try store.select(query, from: $0.0, through: $0.1) } }
        }
        let fromBlocks = try answers(store)
        // The counters agree with a plain count of the raw events at every sample.
        let requests = try #require(fromBlocks.first)
        for series in requests {
            let model = series.labels["model"] ?? ""
            let mine = written.filter { $0.model == model }
            #expect(series.samples.count > 100)
            for sample in series.samples {
                let expected = mine.filter { Self.countedBy(sample.timestamp, $0.timestamp, interval: 15_000) }.count
                #expect(sample.value == Double(expected), "\(model) at \(sample.timestamp)")
            }
        }
        store.close()

        // The same answers from the rows alone: sealed hours' rows are only in their
        // blocks, so they are put back as rows first.
        let connection = try SQLiteConnection(path: path, mode: .readWrite)
        try Self.unsealEverything(connection, interval: 15_000)
        let rowsOnly = try SQLiteStore(path: path, options: options, logger: Logger(label: "t"))
        defer { rowsOnly.close() }
        let fromRows = try answers(rowsOnly)
        #expect(fromBlocks.count == fromRows.count)
        for (blocksAnswer, rowsAnswer) in zip(fromBlocks, fromRows) {
            #expect(blocksAnswer.map(\.labels) == rowsAnswer.map(\.labels))
            for (a, b) in zip(blocksAnswer, rowsAnswer) {
                #expect(a.samples.map(\.timestamp) == b.samples.map(\.timestamp), "\(a.labels)")
                #expect(a.samples.map(\.value) == b.samples.map(\.value), "\(a.labels)")
            }
        }
    }

    @Test func retentionDropsBlocksWithTheirRows() async throws {
        let directory = try TemporaryDirectory()
        // Half past an hour, relative to now: which hours are sealed depends on the
        // minute within the hour (a run in an hour's first minutes sealed one hour less).
        let wall = SystemWallClock().now()
        let now = wall - wall % Self.hour - 30 * Self.minute
        let begin = now - now % Self.hour - 8 * Self.hour
        let store = try SQLiteStore(
            path: directory.file("retention.db"),
            options: StoreOptions(
                rollupInterval: .seconds(15), retention: RetentionPolicy(rollups: .seconds(3 * 3600))),
            clock: ManualClock(now: now), logger: Logger(label: "t"))
        defer { store.close() }
        var batch: [InferenceEvent] = []
        var time = begin
        while time < now - Self.minute {
            batch.append(InferenceEvent(timestamp: time, model: "m", latency: 0.1))
            time += Self.minute
        }
        try store.writeSynchronously(IngestBatch(events: batch))
        func blocks(before cutoff: Timestamp) throws -> Int64 {
            try store.withReadConnection {
                try $0.scalarInt("SELECT count(*) FROM rollup_blocks WHERE start < \(cutoff)")
            }
        }
        let cutoff = now - 3 * Self.hour
        #expect(try blocks(before: cutoff) >= 4)
        #expect(try blocks(before: now) > blocks(before: cutoff))
        while try await !store.enforceRetention(now: now).isComplete {}
        // Nothing before the cutoff is left in a block; the hour it cuts is read from its rows.
        #expect(try blocks(before: cutoff) == 0)
        #expect(try blocks(before: now) >= 1)
        let series = try #require(
            try store.select([.equal("__name__", "infermon_requests_total")], from: begin, through: now).first)
        #expect(try #require(series.samples.first).timestamp >= cutoff)
        #expect(series.samples.count > 150)
    }

    /// Turns every block back into `rollups` rows and drops the blocks: the
    /// layout of a store whose rows were all kept.
    static func unsealEverything(_ connection: SQLiteConnection, interval: Int64) throws {
        let blocks = try connection.prepare("SELECT key_id, start, data FROM rollup_blocks ORDER BY id")
        var rows: [(Int64, [RollupRow])] = []
        while try blocks.step() {
            let start = blocks.int64(1)
            let keyRows = try blocks.withBlob(2) { try RollupBlockReader($0).rows(start: start, interval: interval) }
            rows.append((blocks.int64(0), keyRows))
        }
        try connection.transaction {
            for (keyID, keyRows) in rows { try SealedRollupRows.restore(connection, keyID: keyID, rows: keyRows) }
            try connection.execute("DELETE FROM rollup_blocks")
        }
    }

    static func countedBy(_ sampleTime: Timestamp, _ time: Timestamp, interval: Int64) -> Bool {
        let bucketEnd = time - time % interval + interval
        return bucketEnd <= sampleTime || (sampleTime % interval != 0 && time <= sampleTime)
    }
}
