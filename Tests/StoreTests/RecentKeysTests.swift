import InfermonCore
import InfermonTesting
import Logging
import Testing

@testable import Store

/// The key table in front of the writer's dictionary grows with the label sets
/// it serves: at 1,024 slots and thousands of label sets almost every event
/// missed it and paid for a SipHash lookup.
@Suite("Recent keys")
struct RecentKeysTests {
    static let t0: Timestamp = 1_800_000_000_000 - 1_800_000_000_000 % 60_000

    static func key(_ serial: Int) -> EventKey {
        EventKey(
            model: "model-\(serial % 8)", modelVersion: "", route: "/v1/route-\(serial / 8 % 4)",
            tenant: "tenant-\(serial / 32)", status: .ok)
    }

    static func event(_ key: EventKey) -> InferenceEvent {
        InferenceEvent(timestamp: t0, model: key.model, route: key.route, tenant: key.tenant, latency: 0.1)
    }

    @Test func growsToFourSlotsPerKeyWithinItsBound() {
        let table = RecentKeys()
        #expect(table.size == RecentKeys.initialSize)
        table.reserve(keys: 100)
        #expect(table.size == RecentKeys.initialSize, "room enough: no growth")
        table.reserve(keys: 3_835)
        #expect(table.size == 16_384)
        table.reserve(keys: 1_000_000)
        #expect(table.size == RecentKeys.maximumSize)
    }

    /// After growing, most of 3,000 keys find their own slot, and none finds another key's.
    @Test func grownTableHoldsMostKeysAndNeverConfusesThem() {
        let table = RecentKeys()
        let count = 3_000
        let slots = (0..<count).map { KeySlot(id: Int64($0)) }
        let events = (0..<count).map { Self.event(Self.key($0)) }
        func rememberAll() {
            for serial in 0..<count {
                events.withUnsafeBufferPointer { buffer in
                    table.remember(slots[serial], for: Self.key(serial), of: buffer.baseAddress! + serial)
                }
            }
        }
        func hits() -> Int {
            var found = 0
            for serial in 0..<count {
                let slot = events.withUnsafeBufferPointer { table.slot(for: $0.baseAddress! + serial) }
                if let slot {
                    #expect(slot.id == Int64(serial), "a hit is the event's own key")
                    found += 1
                }
            }
            return found
        }
        rememberAll()
        let before = hits()
        table.reserve(keys: count)
        #expect(hits() == 0, "a grown table starts empty")
        rememberAll()
        let after = hits()
        #expect(before <= RecentKeys.initialSize, "at most one key per slot")
        #expect(after > count * 3 / 4)
    }

    /// A store reopened with more label sets than the first table holds sizes it
    /// from the stored keys, and rows keep their labels across the reopening.
    @Test func reopenedStoreKeepsEveryRowsLabels() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("k.db")
        let count = 2_000
        for round in 0..<2 {
            let store = try SQLiteStore(path: path, logger: Logger(label: "t"))
            let events = (0..<count).map { serial in
                var event = Self.event(Self.key(serial))
                event.timestamp = Self.t0 + Int64(round * 60_000 + serial)
                event.requestID = "r\(round)-\(serial)"
                return event
            }
            try store.writeSynchronously(IngestBatch(events: events))
            store.close()
        }
        let rows = try ReadOnlySQL(path: path).query(
            "SELECT e.request_id, k.model, k.route, k.tenant FROM events e JOIN event_keys k ON k.id = e.key_id ORDER BY e.id"
        ).rows
        #expect(rows.count == 2 * count)
        for (index, row) in rows.enumerated() {
            let key = Self.key(index % count)
            let want: [SQLValue] = [
                .text("r\(index / count)-\(index % count)"), .text(key.model), .text(key.route), .text(key.tenant),
            ]
            #expect(row == want)
        }
    }
}
