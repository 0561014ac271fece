import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

/// The writer's fast paths: rows inserted many per statement with ids it assigns,
/// key ids found through a small table in front of the dictionary, rollups added
/// key by key. Each is checked against what a plain reading of the events says.
@Suite("Event writer")
struct EventWriterTests {
    static let t0: Timestamp = 1_800_000_000_000 - 1_800_000_000_000 % 60_000

    /// 3,000 label sets overflow the 1,024-entry key table many times over, so
    /// entries are replaced and indexes collide; every row must still carry its
    /// own labels, and batches of uneven sizes cross the 64-row statements.
    @Test func everyRowKeepsItsOwnLabelsAndIdsFollowArrival() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("w.db")
        let store = try SQLiteStore(path: path, logger: Logger(label: "t"))
        var expected: [(model: String, tenant: String, route: String, text: String?)] = []
        for (batchIndex, size) in [1, 63, 64, 65, 200, 2_607].enumerated() {
            var events: [InferenceEvent] = []
            for index in 0..<size {
                let serial = expected.count
                let model =
                    serial % 3 == 0 ? "meta-llama/Llama-3.1-8B-Instruct-\(serial % 1_000)" : "m\(serial % 1_000)"
                let tenant = "tenant-\(serial % 3)"
                let route = serial % 2 == 0 ? "/v1/chat/completions" : "/v1/embeddings"
                let text: String? = serial % 7 == 0 ? "prompt \(serial)" : nil
                events.append(
                    InferenceEvent(
                        timestamp: Self.t0 + Int64(batchIndex * 60_000 + index), requestID: "r\(serial)", model: model,
                        route: route, tenant: tenant, latency: 0.25, prompt: text))
                expected.append((model, tenant, route, text))
            }
            try store.writeSynchronously(IngestBatch(events: events))
        }
        store.close()

        let rows = try ReadOnlySQL(path: path).query(
            """
            SELECT e.id, e.request_id, k.model, k.tenant, k.route, t.prompt FROM events e
            JOIN event_keys k ON k.id = e.key_id LEFT JOIN event_texts t ON t.event_id = e.id ORDER BY e.id
            """
        ).rows
        #expect(rows.count == expected.count)
        for (serial, row) in rows.enumerated() {
            let want = expected[serial]
            #expect(row[0] == .integer(Int64(serial + 1)), "ids follow arrival")
            #expect(row[1] == .text("r\(serial)"))
            #expect(row[2] == .text(want.model) && row[3] == .text(want.tenant) && row[4] == .text(want.route))
            #expect(row[5] == (want.text.map { .text($0) } ?? .null))
        }
        // The rollups count every event once, whatever order keys were added in.
        let counted = try ReadOnlySQL(path: path).query(
            "SELECT sum(requests) FROM rollups r WHERE bucket = (SELECT max(bucket) FROM rollups WHERE key_id = r.key_id)"
        ).rows
        #expect(counted.first?.first == .integer(Int64(expected.count)))
    }

    /// A store reopened continues numbering after the largest id, not from one.
    @Test func idsContinueAfterReopening() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("w.db")
        for round in 0..<2 {
            let store = try SQLiteStore(path: path, logger: Logger(label: "t"))
            let events = (0..<100).map {
                InferenceEvent(timestamp: Self.t0 + Int64(round * 1_000 + $0), model: "m", latency: 0.1)
            }
            try store.writeSynchronously(IngestBatch(events: events))
            store.close()
        }
        let rows = try ReadOnlySQL(path: path).query("SELECT count(*), min(id), max(id) FROM events").rows
        #expect(rows.first == [.integer(200), .integer(1), .integer(200)])
    }
}
