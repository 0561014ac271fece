import InfermonCore
import InfermonTesting
import Logging
import Testing

@testable import Store

/// A store with hours of traffic, most of it in hours sealed into blocks (whose
/// `rollups` rows are then deleted), stamped relative to now; and the checks the
/// sealed-rows tests share: counters against a plain count of the events, and
/// answers against the same file with every block turned back into rows.
struct SealedRollupFixture {
    static let hour: Int64 = 3_600_000
    static let interval: Int64 = 15_000
    let directory: TemporaryDirectory
    let path: String
    let now: Timestamp
    let begin: Timestamp
    var written: [InferenceEvent] = []
    var random: SeededRandom

    /// `hours` of models "a" and "b" every `every` ms up to a minute before now,
    /// and model "idle" in the first 90 minutes only, in `batches` batches.
    init(hours: Int64, every: Int64, batches: Int = 20, seed: UInt64 = 1) throws {
        directory = try TemporaryDirectory()
        path = directory.file("sealed.db")
        now = SystemWallClock().now()
        begin = now - hours * Self.hour
        random = SeededRandom(seed: seed)
        var events: [InferenceEvent] = []
        var time = begin
        while time < now - 60_000 {
            events.append(event(time, model: "a"))
            events.append(event(time + 3, model: "b"))
            if time < begin + 90 * 60_000 { events.append(event(time + 7, model: "idle")) }
            time += every
        }
        let store = try open()
        defer { store.close() }
        let size = (events.count + batches - 1) / batches
        for start in stride(from: 0, to: events.count, by: size) {
            try write(Array(events[start..<min(events.count, start + size)]), to: store)
        }
    }

    func open() throws -> SQLiteStore {
        try SQLiteStore(
            path: path, options: StoreOptions(rollupInterval: .milliseconds(Self.interval)),
            clock: ManualClock(now: now), logger: Logger(label: "t"))
    }

    mutating func event(_ time: Timestamp, model: String) -> InferenceEvent {
        InferenceEvent(
            timestamp: time, requestID: "\(model)-\(time)-\(random.next() % 1_000_000)", model: model,
            latency: Double(random.next() % 5_000) / 1000, promptTokens: Int(random.next() % 100),
            completionTokens: Int(random.next() % 9))
    }

    mutating func write(_ events: [InferenceEvent], to store: SQLiteStore) throws {
        try store.writeSynchronously(IngestBatch(events: events))
        written += events
    }

    /// Every sample of the request and input-token counters in the range equals
    /// the events it counts: those before a grid sample, or at or before an
    /// in-progress interval's sample.
    func expectCountersMatchEvents(
        _ store: SQLiteStore, from: Timestamp, through: Timestamp,
        sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
        for (name, value) in [
            ("infermon_requests_total", { (_: InferenceEvent) in 1.0 }),
            ("infermon_tokens_total", { (e: InferenceEvent) in Double(e.promptTokens ?? 0) }),
        ] {
            var matchers: [LabelMatcher] = [.equal("__name__", name)]
            if name == "infermon_tokens_total" { matchers.append(.equal("type", "input")) }
            let answer = try store.select(matchers, from: from, through: through)
            for series in answer {
                let model = series.labels["model"] ?? ""
                let mine = written.filter { $0.model == model }.sorted { $0.timestamp < $1.timestamp }
                var prefix = [0.0]
                for event in mine { prefix.append(prefix[prefix.count - 1] + value(event)) }
                /// Events with a timestamp below `bound`, by bisection.
                func total(below bound: Timestamp) -> Double {
                    var low = 0
                    var high = mine.count
                    while low < high {
                        let middle = (low + high) / 2
                        if mine[middle].timestamp < bound { low = middle + 1 } else { high = middle }
                    }
                    return prefix[low]
                }
                for sample in series.samples {
                    let grid = sample.timestamp % Self.interval == 0
                    let expected = total(below: grid ? sample.timestamp : sample.timestamp + 1)
                    guard sample.value == expected else {
                        Issue.record(
                            "\(name) \(model) at \(sample.timestamp): \(sample.value), events say \(expected)",
                            sourceLocation: sourceLocation)
                        return
                    }
                }
            }
        }
    }

    /// Rows of sealed hours still in `rollups` (none once pruned), and the horizons.
    func rowsOfSealedHours(_ store: SQLiteStore) throws -> (rows: Int64, sealed: Int64, pruned: Int64) {
        try store.withReadConnection { connection in
            func setting(_ name: String) throws -> Int64 {
                try connection.scalarInt("SELECT CAST(value AS INTEGER) FROM settings WHERE name = '\(name)'")
            }
            let sealed = try setting(RollupBlockSealer.settingName)
            let rows = try connection.scalarInt("SELECT count(*) FROM rollups WHERE bucket < \(sealed)")
            return (rows, sealed, try setting(RollupBlockSealer.prunedSettingName))
        }
    }

    static let queries: [[LabelMatcher]] = [
        [.equal("__name__", "infermon_requests_total")],
        [.equal("__name__", "infermon_request_duration_seconds_bucket"), .equal("le", "0.64")],
        [.equal("__name__", "infermon_request_duration_seconds_sum")],
        [.equal("__name__", "infermon_tokens_total")],
    ]

    func answers(_ store: SQLiteStore, ranges: [(Timestamp, Timestamp)]) throws -> [[Series]] {
        try Self.queries.flatMap { query in try ranges.map { try store.select(query, from: $0.0, through: $0.1) } }
    }

    /// A copy of the file (`VACUUM INTO`) with every block turned back into rows:
    /// the layout of a store that kept all its rows.
    func unsealedCopy(_ name: String) throws -> String {
        let copy = directory.file(name)
        let connection = try SQLiteConnection(path: path, mode: .readWrite)
        try connection.execute("VACUUM INTO '\(copy)'")
        let target = try SQLiteConnection(path: copy, mode: .readWrite)
        try RollupBlockTests.unsealEverything(target, interval: Self.interval)
        return copy
    }

    func openCopy(_ copy: String) throws -> SQLiteStore {
        try SQLiteStore(
            path: copy, options: StoreOptions(rollupInterval: .milliseconds(Self.interval)),
            clock: ManualClock(now: now), logger: Logger(label: "t"))
    }

    static func expectSame(
        _ one: [[Series]], _ other: [[Series]], sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) {
        #expect(one.count == other.count, sourceLocation: sourceLocation)
        for (a, b) in zip(one, other) {
            #expect(a.map(\.labels) == b.map(\.labels), sourceLocation: sourceLocation)
            for (x, y) in zip(a, b) where x.samples != y.samples {
                Issue.record(
                    "\(x.labels): \(x.samples.count) samples against \(y.samples.count)",
                    sourceLocation: sourceLocation)
            }
        }
    }
}
