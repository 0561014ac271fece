import Foundation
import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

/// Prompt, response and context text and the extra attributes are stored as
/// zstd frames when that is smaller; every reader (event windows for drift and
/// sampling, the judge's candidates, read-only SQL) sees the text as written.
@Suite("Text storage")
struct TextStorageTests {
    static let now: Timestamp = 1_800_000_000_000

    /// Chat-like text: sentences of words drawn from a few hundred, seeded.
    static func text(_ random: inout SeededRandom, bytes: Int) -> String {
        var words: [String] = []
        for index in 0..<400 {
            var word = ""
            for position in 0..<(3 + index % 7) {
                let letter = UInt8(97 + (index * 7 + position * 13) % 26)
                word.append(Character(UnicodeScalar(letter)))
            }
            words.append(word)
        }
        var out = ""
        while out.utf8.count < bytes {
            let length = 6 + Int(random.next() % 14)
            out += (0..<length).map { _ in words[Int(random.next() % UInt64(words.count))] }.joined(separator: " ")
            out += random.chance(0.1) ? "?\n" : ". "
        }
        return out
    }

    static func events(count: Int, seed: UInt64) -> [InferenceEvent] {
        var random = SeededRandom(seed: seed)
        let system = text(&random, bytes: 1_500)
        // A LiteLLM-like attributes object: the same large model map on every line, ids and spend that vary.
        let modelMap =
            "{" + (0..<120).map { "\"key_\($0)\":\($0 % 3 == 0 ? "null" : "\($0 * 17)")" }.joined(separator: ",") + "}"
        return (0..<count).map { index in
            InferenceEvent(
                timestamp: now + Int64(index) * 100, requestID: "chatcmpl-\(random.next())", model: "gpt-4o-mini",
                tenant: "team-\(index % 7)", latency: 0.5, promptTokens: 900, completionTokens: 200,
                prompt: system + "\n" + text(&random, bytes: 3_000), response: text(&random, bytes: 1_200),
                context: index % 4 == 0 ? text(&random, bytes: 2_000) : nil,
                attributes:
                    "{\"trace_id\":\"\(random.next())\",\"spend\":\(random.unit()),\"model_map_information\":\(modelMap)}"
            )
        }
    }

    /// 1,000 events carrying 5–7 KB of text each: the file, checkpointed, is well
    /// under half the text (stored plain it was more than all of it, as rows of a
    /// few kilobytes leave a third of each 16 KiB page empty).
    @Test func texts1000EventsTakeLessThanHalfTheirBytes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("texts.db")
        let store = try SQLiteStore(
            path: path, clock: ManualClock(now: Self.now + 3_600_000), logger: Logger(label: "t"))
        let events = Self.events(count: 1_000, seed: 11)
        for start in stride(from: 0, to: events.count, by: 250) {
            try store.writeSynchronously(IngestBatch(events: Array(events[start..<(start + 250)])))
        }
        store.close()
        let textBytes = events.reduce(0) {
            $0 + ($1.prompt?.utf8.count ?? 0) + ($1.response?.utf8.count ?? 0) + ($1.context?.utf8.count ?? 0)
                + ($1.attributes?.utf8.count ?? 0)
        }
        let fileBytes = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(fileBytes * 2 < textBytes, "\(fileBytes / 1000) B stored per event for \(textBytes / 1000) B of text")
    }

    @Test func everyReaderSeesTheTextAsWritten() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("read.db")
        let store = try SQLiteStore(
            path: path, clock: ManualClock(now: Self.now + 3_600_000), logger: Logger(label: "t"))
        var events = Self.events(count: 40, seed: 12)
        // Short texts stay plain; a multi-byte one must keep its characters.
        events[1].response = "ok"
        events[2].prompt = String(repeating: "Grüße, 世界 — ", count: 40)
        try store.writeSynchronously(IngestBatch(events: events))

        let rows = try await store.scanEvents(afterEventID: 0, limit: 100)
        let candidates = try await store.candidates(eventIDs: rows.map(\.eventID))
        #expect(candidates.count == events.count)
        for (candidate, event) in zip(candidates, events) {
            #expect(candidate.prompt == event.prompt)
            #expect(candidate.response == event.response)
            #expect(candidate.context == event.context)
        }
        #expect(rows.map(\.hasContext) == events.map { $0.context != nil })

        let window = try #require(
            try store.eventColumns(
                EventWindowQuery(from: Self.now, through: Self.now + 3_600_000, responsePrefixLength: 20)
            ).first)
        #expect(
            window.numeric[EventColumnName.responseLength] == events.map { Double($0.response!.count) })
        #expect(window.responsePrefixes == events.map { String(($0.response ?? "").prefix(20)) })
        store.close()

        let sql = try ReadOnlySQL(path: path)
        let stored = try sql.query(
            "SELECT t.prompt, e.attributes FROM events e JOIN event_texts t ON t.event_id = e.id")
        #expect(stored.rows.map { $0[0] } == events.map { SQLValue.text($0.prompt!) })
        #expect(stored.rows.map { $0[1] } == events.map { SQLValue.text($0.attributes!) })
        let types = try sql.query("SELECT typeof(prompt), typeof(infermon_text(prompt)) FROM event_texts LIMIT 1")
        #expect(types.rows == [[.text("blob"), .text("text")]])
    }
}
