import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

/// Text rows go in many per statement, as many as a chunk of events has texts:
/// each must land on its own event, in its own column, with NULL where the event
/// had none, whether its chunk is full, partly without text, or the short one at
/// the end of a batch, and also when a dictionary is trained between two rows of
/// one statement.
@Suite("Event text rows")
struct EventTextRowsTests {
    static let now: Timestamp = 1_800_000_000_000

    /// Which texts event `serial` carries: all three, some, or none, in runs that
    /// leave chunks full, partly empty and empty.
    static func event(_ serial: Int, _ random: inout SeededRandom) -> InferenceEvent {
        let run = (serial / 64) % 4
        var event = InferenceEvent(
            timestamp: now + Int64(serial), requestID: "r\(serial)", model: "m", tenant: "t", latency: 0.1)
        switch run {
        case 0:
            // Every event of the chunk has all three: the full statement.
            event.prompt = text(serial, &random, 300)
            event.response = text(serial, &random, 200)
            event.context = text(serial, &random, 150)
        case 1:
            // Some have one text, some none, some a short one that stays plain.
            if serial % 3 == 0 { event.response = text(serial, &random, 250) }
            if serial % 5 == 0 { event.context = "short \(serial)" }
        case 2:
            break  // a chunk without any text row
        default:
            if serial % 2 == 0 { event.prompt = text(serial, &random, 400) }
        }
        return event
    }

    /// Text that starts with its event's number, so a row on the wrong event shows.
    static func text(_ serial: Int, _ random: inout SeededRandom, _ bytes: Int) -> String {
        "\(serial): " + TextStorageTests.text(&random, bytes: bytes)
    }

    @Test func everyTextLandsOnItsOwnEventAndColumn() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("texts.db")
        let store = try SQLiteStore(
            path: path, clock: ManualClock(now: Self.now + 3_600_000), logger: Logger(label: "t"))
        var random = SeededRandom(seed: 23)
        var events: [InferenceEvent] = []
        // Uneven batches cross the 64-event chunks; 2,000 prompts train a dictionary mid-statement.
        for size in [1, 63, 130, 4_000, 77, 2_100] {
            let batch = (0..<size).map { Self.event(events.count + $0, &random) }
            try store.writeSynchronously(IngestBatch(events: batch))
            events += batch
        }
        store.close()

        let sql = try ReadOnlySQL(path: path)
        let rows = try sql.query(
            """
            SELECT e.request_id, t.event_id IS NULL, infermon_text(t.prompt), infermon_text(t.response),
                infermon_text(t.context)
            FROM events e LEFT JOIN event_texts t ON t.event_id = e.id ORDER BY e.id
            """
        ).rows
        #expect(rows.count == events.count)
        let text = { (value: String?) in value.map { SQLValue.text($0) } ?? .null }
        var mismatches = 0
        for (row, event) in zip(rows, events) {
            let hasText = event.prompt != nil || event.response != nil || event.context != nil
            let want: [SQLValue] = [
                .text(event.requestID!), .integer(hasText ? 0 : 1), text(event.prompt), text(event.response),
                text(event.context),
            ]
            if row != want { mismatches += 1 }
        }
        #expect(mismatches == 0)
        let textRows = try sql.query("SELECT count(*) FROM event_texts").rows
        let withText = events.filter { $0.prompt != nil || $0.response != nil || $0.context != nil }.count
        #expect(textRows == [[.integer(Int64(withText))]])
        // The texts were compressed, and with a dictionary once one was trained.
        let kinds = try sql.query("SELECT kind FROM text_dictionaries ORDER BY kind").rows
        #expect(kinds.contains([.text("prompt")]))
        let framed = try sql.query("SELECT count(*) FROM event_texts WHERE typeof(prompt) = 'blob'").rows
        guard case .integer(let count)? = framed.first?.first else {
            Issue.record("no count: \(framed)")
            return
        }
        #expect(count > 2_000)
    }
}
