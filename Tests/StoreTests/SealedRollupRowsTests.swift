import InfermonCore
import InfermonTesting
import Logging
import Testing

@testable import Store

/// A sealed hour is kept only as its block: its `rollups` rows are deleted. Every
/// answer must stay what the rows gave, through restarts, late events into an
/// hour whose rows are gone, and a label set that comes back after hours idle.
@Suite("Sealed rollup rows")
struct SealedRollupRowsTests {
    typealias Fixture = SealedRollupFixture
    static let hour = Fixture.hour
    static let minute: Int64 = 60_000

    @Test func sealedHoursLeaveRollupsAndEveryAnswerStays() throws {
        let fixture = try Fixture(hours: 10, every: 20_000)
        let begin = fixture.begin
        let ranges: [(Timestamp, Timestamp)] = [
            (begin - Self.minute, fixture.now),
            // Starts inside a sealed hour, after "idle" went quiet: its carried row is in a block.
            (begin + 2 * Self.hour + 7 * Self.minute + 3_000, begin + 6 * Self.hour),
            (begin + 5 * Self.hour, begin + 5 * Self.hour),
        ]
        let store = try fixture.open()
        let sealed = try fixture.rowsOfSealedHours(store)
        #expect(sealed.sealed >= begin + 7 * Self.hour, "most hours sealed")
        #expect(sealed.pruned == sealed.sealed)
        #expect(sealed.rows == 0, "no row of a sealed hour is left in rollups")
        let blockRows = try store.withReadConnection {
            try $0.scalarInt("SELECT coalesce(sum(rows), 0) FROM rollup_blocks")
        }
        #expect(blockRows > 2_000)
        for range in ranges { try fixture.expectCountersMatchEvents(store, from: range.0, through: range.1) }
        let everyModel = try store.select(
            [.equal("__name__", "infermon_requests_total")], from: begin, through: fixture.now)
        #expect(everyModel.compactMap { $0.labels["model"] } == ["a", "b", "idle"])
        // "idle" is carried forward from its last block row through the later range.
        let idle = try #require(
            try store.select(
                [.equal("__name__", "infermon_requests_total"), .equal("model", "idle")], from: ranges[1].0,
                through: ranges[1].1
            ).first)
        let idleEvents = Double(fixture.written.filter { $0.model == "idle" }.count)
        #expect(idle.samples.count > 100 && idle.samples.allSatisfy { $0.value == idleEvents })
        // Born by then although its rows are only in blocks.
        let labels = try store.labelSets(
            [.equal("__name__", "infermon_requests_total")], from: begin + 8 * Self.hour, through: begin + 8 * Self.hour
        )
        #expect(labels.compactMap { $0["model"] }.sorted() == ["a", "b", "idle"])
        let fromBlocks = try fixture.answers(store, ranges: ranges)
        let stats = try store.stats()
        store.close()

        // The same answers from the same file with every row kept.
        let copy = try fixture.unsealedCopy("rows.db")
        let rowsOnly = try fixture.openCopy(copy)
        defer { rowsOnly.close() }
        Fixture.expectSame(fromBlocks, try fixture.answers(rowsOnly, ranges: ranges))
        // `stats` counts the intervals whichever way they are kept.
        #expect(stats.rollupRows == (try rowsOnly.stats().rollupRows))
        #expect(stats.rollupBlocks > 10)
    }

    @Test func lateEventsIntoAPrunedHourAndAnIdleLabelSetAfterRestart() throws {
        var fixture = try Fixture(hours: 9, every: 30_000, seed: 2)
        let begin = fixture.begin
        // Restart: the writer starts from what the file holds.
        var store = try fixture.open()
        let pruned = try fixture.rowsOfSealedHours(store)
        #expect(pruned.rows == 0 && pruned.sealed > begin + 3 * Self.hour)
        var late: [InferenceEvent] = []
        // Late events into hours whose rows are gone, for a live label set...
        var offset: Int64 = 2 * Self.hour + 11_000
        while offset < 3 * Self.hour {
            late.append(fixture.event(begin + offset, model: "a"))
            offset += 7 * Self.minute
        }
        // ...for the idle one, inside its last sealed hour and after it...
        late.append(fixture.event(begin + 80 * Self.minute + 1, model: "idle"))
        late.append(fixture.event(begin + 5 * Self.hour, model: "idle"))
        // ...and for the idle one again now, which resumes from its newest block row.
        late.append(fixture.event(fixture.now - 30_000, model: "idle"))
        late.append(fixture.event(fixture.now - 29_000, model: "b"))
        try fixture.write(late, to: store)
        try fixture.expectCountersMatchEvents(store, from: begin - Self.minute, through: fixture.now)
        try fixture.expectCountersMatchEvents(
            store, from: begin + 2 * Self.hour + 30 * Self.minute, through: begin + 7 * Self.hour)
        #expect(try fixture.rowsOfSealedHours(store).rows == 0, "unsealed rows deleted again")

        // A second restart, then late events into the same hour once more.
        store.close()
        store = try fixture.open()
        defer { store.close() }
        try fixture.expectCountersMatchEvents(store, from: begin - Self.minute, through: fixture.now)
        try fixture.write([fixture.event(begin + 2 * Self.hour + 5, model: "a")], to: store)
        try fixture.expectCountersMatchEvents(store, from: begin - Self.minute, through: fixture.now)
        try fixture.expectCountersMatchEvents(
            store, from: begin + Self.hour + 59 * Self.minute, through: begin + 2 * Self.hour + 1)
        #expect(try fixture.rowsOfSealedHours(store).rows == 0)
    }

    /// An older store kept every row beside its blocks; the writer deletes them a
    /// day per transaction as it writes, with no migration step, answering the same throughout.
    @Test func anOlderStoresRowsArePrunedADayPerTransaction() throws {
        var fixture = try Fixture(hours: 60, every: 60_000, batches: 30, seed: 3)
        let ranges: [(Timestamp, Timestamp)] = [
            (fixture.begin, fixture.now - 2 * Self.minute),
            (fixture.begin + 30 * Self.hour + 1, fixture.begin + 50 * Self.hour),
        ]
        // The older layout: every block's rows back in `rollups`, nothing pruned.
        let connection = try SQLiteConnection(path: fixture.path, mode: .readWrite)
        let blocks = try connection.prepare("SELECT key_id, start, data FROM rollup_blocks ORDER BY id")
        var rows: [(Int64, [RollupRow])] = []
        while try blocks.step() {
            let start = blocks.int64(1)
            rows.append(
                (
                    blocks.int64(0),
                    try blocks.withBlob(2) { try RollupBlockReader($0).rows(start: start, interval: Fixture.interval) }
                ))
        }
        try connection.transaction {
            for (keyID, keyRows) in rows { try SealedRollupRows.restore(connection, keyID: keyID, rows: keyRows) }
        }
        try connection.execute("DELETE FROM settings WHERE name = '\(RollupBlockSealer.prunedSettingName)'")

        let store = try fixture.open()
        defer { store.close() }
        let before = try fixture.answers(store, ranges: ranges)
        var left = try fixture.rowsOfSealedHours(store).rows
        #expect(left > 3_000)
        var batches = 0
        while left > 0 && batches < 10 {
            try fixture.write([fixture.event(fixture.now - 20_000 + Int64(batches), model: "a")], to: store)
            let now = try fixture.rowsOfSealedHours(store).rows
            #expect(now < left, "each transaction deletes a day")
            #expect(left - now <= 3 * 24 * 60, "no more than a day of the label sets")
            left = now
            batches += 1
        }
        #expect(left == 0)
        #expect(batches >= 3, "60 hours take three transactions")
        Fixture.expectSame(before, try fixture.answers(store, ranges: ranges))
        try fixture.expectCountersMatchEvents(store, from: fixture.begin, through: fixture.now)
    }
}
