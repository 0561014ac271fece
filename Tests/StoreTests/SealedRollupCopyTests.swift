import InfermonCore
import InfermonTesting
import Logging
import Testing

@testable import Store

/// What reads a store whole once sealed hours' rows are gone: the copy to
/// PostgreSQL must still carry every interval, and retention must cut a sealed
/// hour at the cutoff without losing the running totals after it.
@Suite("Sealed rollup rows: copy and retention")
struct SealedRollupCopyTests {
    typealias Fixture = SealedRollupFixture
    static let hour = Fixture.hour
    static let minute: Int64 = 60_000

    @Test func aStoreCopyReadsEveryIntervalFromRowsAndBlocks() throws {
        let fixture = try Fixture(hours: 6, every: 20_000, seed: 4)
        let copy = try fixture.unsealedCopy("rows.db")
        func everything(_ path: String, page: Int) throws -> (rows: [CopyRollupRow], count: Int64) {
            let source = try SQLiteCopySource(path: path)
            var rows: [CopyRollupRow] = []
            var cursor: (key: Int64, bucket: Int64)?
            while true {
                let chunk = try source.rollups(after: cursor, limit: page)
                guard let last = chunk.last else { break }
                #expect(chunk.count <= page)
                rows += chunk
                cursor = (last.keyID, last.bucket)
            }
            return (rows, try source.count("rollups"))
        }
        let sealed = try everything(fixture.path, page: 97)
        let kept = try everything(copy, page: 5_000)
        #expect(sealed.rows.count > 2_000)
        #expect(sealed.rows == kept.rows, "the same rows, in the same order, whichever way they are kept")
        #expect(sealed.count == Int64(kept.rows.count) && kept.count == sealed.count)
        // A copy resuming after a row in a sealed hour differences against that row.
        let source = try SQLiteCopySource(path: fixture.path)
        let middle = sealed.rows[sealed.rows.count / 6]
        #expect(try source.rollup(key: middle.keyID, bucket: middle.bucket) == middle)
        #expect(middle.bucket < fixture.now - 3 * Self.hour, "the row is in a sealed hour")
    }

    @Test func retentionCutsASealedHourAndKeepsTheTotalsAfterIt() async throws {
        var fixture = try Fixture(hours: 8, every: 20_000, seed: 5)
        // The cutoff falls inside a sealed hour, whichever minute the test runs at.
        let cutoff = fixture.now - 5 * Self.hour
        let store = try SQLiteStore(
            path: fixture.path,
            options: StoreOptions(
                rollupInterval: .milliseconds(Fixture.interval),
                retention: RetentionPolicy(rollups: .milliseconds(5 * Self.hour))),
            clock: ManualClock(now: fixture.now), logger: Logger(label: "t"))
        defer { store.close() }
        let ranges = [(cutoff + Self.minute + 1, fixture.now), (cutoff + 2 * Self.hour, cutoff + 3 * Self.hour)]
        let before = try fixture.answers(store, ranges: ranges)
        #expect(try fixture.rowsOfSealedHours(store).sealed > cutoff + Self.hour)
        while try await !store.enforceRetention(now: fixture.now).isComplete {}
        let after = try fixture.answers(store, ranges: ranges)
        // "idle" had nothing after the cutoff: it goes, as it would with all its rows kept.
        func active(_ answers: [[Series]]) -> [[Series]] { answers.map { $0.filter { $0.labels["model"] != "idle" } } }
        #expect(after.allSatisfy { $0.allSatisfy { $0.labels["model"] != "idle" } })
        Fixture.expectSame(active(before), after)
        let all = try #require(
            try store.select(
                [.equal("__name__", "infermon_requests_total"), .equal("model", "a")], from: fixture.begin,
                through: fixture.now
            ).first)
        #expect(try #require(all.samples.first).timestamp >= cutoff)
        #expect(all.samples.count > 1_000)
        let expired = try store.withReadConnection {
            try $0.scalarInt("SELECT count(*) FROM rollup_blocks WHERE start < \(cutoff)")
        }
        #expect(expired == 0, "no block reaches back past the cutoff")
        // The hour the cutoff cut is rows again; a late event there is counted and sealed again.
        try fixture.write([fixture.event(cutoff + 2 * Self.minute, model: "a")], to: store)
        try fixture.expectCountersMatchEvents(store, from: cutoff + Self.minute + 1, through: fixture.now)
        #expect(try fixture.rowsOfSealedHours(store).rows <= 2 * 240, "at most the cut hour's rows")
    }
}
