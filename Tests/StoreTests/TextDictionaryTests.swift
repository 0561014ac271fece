import InfermonCore
import InfermonTesting
import Logging
import Testing

@testable import Store

/// Texts compressed with a trained dictionary read back as written through every
/// reader, beside frames without one and plain rows of older stores; a frame
/// whose dictionary is gone is an error that says so.
@Suite("Text dictionaries")
struct TextDictionaryTests {
    static let now = TextStorageTests.now
    static let later = now + 3_600_000

    static func open(_ path: String) throws -> SQLiteStore {
        try SQLiteStore(path: path, clock: ManualClock(now: later), logger: Logger(label: "t"))
    }

    /// The dictionary ids named by the stored frames of `column` (0: a frame without one), plain rows left out.
    static func dictionaryIDs(_ path: String, _ sql: String) throws -> [UInt32] {
        let connection = try SQLiteConnection(path: path, mode: .readOnly)
        let statement = try connection.prepare(sql)
        var ids: [UInt32] = []
        while try statement.step() {
            guard statement.columnType(0) == 4 else { continue }  // SQLITE_BLOB
            ids.append(statement.withBlob(0) { TextCompression.dictionaryID($0) })
        }
        return ids
    }

    /// What each reader makes of the stored events, checked against what was written.
    static func expectEveryReaderSees(_ events: [InferenceEvent], at path: String, store: SQLiteStore) async throws {
        let rows = try await store.scanEvents(afterEventID: 0, limit: events.count + 1)
        let candidates = try await store.candidates(eventIDs: rows.map(\.eventID))
        #expect(candidates.map(\.prompt) == events.map(\.prompt))
        #expect(candidates.map(\.response) == events.map(\.response))
        #expect(candidates.map(\.context) == events.map(\.context))
        let window = try #require(
            try store.eventColumns(EventWindowQuery(from: now, through: later, responsePrefixLength: 30)).first)
        #expect(window.numeric[EventColumnName.responseLength] == events.map { Double($0.response?.count ?? 0) })
        #expect(window.responsePrefixes == events.map { String(($0.response ?? "").prefix(30)) })

        let sql = try ReadOnlySQL(path: path)
        let stored = try sql.query(
            "SELECT t.prompt, infermon_text(t.response), e.attributes FROM events e JOIN event_texts t ON t.event_id = e.id",
            rowLimit: events.count + 1)
        #expect(stored.rows.map { $0[0] } == events.map { SQLValue.text($0.prompt!) })
        #expect(stored.rows.map { $0[1] } == events.map { $0.response.map(SQLValue.text) ?? .null })
        #expect(stored.rows.map { $0[2] } == events.map { SQLValue.text($0.attributes!) })

        // `store copy` reads SQLite through this, and must get plain text to write to PostgreSQL.
        let copy = try SQLiteCopySource(path: path)
        let columns = SQLiteCopySource.eventColumns.map(\.0)
        let copied = try copy.events(after: 0, limit: events.count + 1)
        let prompt = try #require(columns.firstIndex(of: "infermon_text(t.prompt)"))
        let attributes = try #require(columns.firstIndex(of: "infermon_text(e.attributes)"))
        #expect(copied.map { $0[prompt] } == events.map { CopyValue.text($0.prompt!) })
        #expect(copied.map { $0[attributes] } == events.map { CopyValue.text($0.attributes!) })
    }

    @Test func dictionaryFramesReadThroughEveryReader() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("d.db")
        let store = try Self.open(path)
        let events = TextStorageTests.events(count: 1_000, seed: 21)
        for start in stride(from: 0, to: events.count, by: 200) {
            try store.writeSynchronously(IngestBatch(events: Array(events[start..<(start + 200)])))
        }
        let kinds = try ReadOnlySQL(path: path).query("SELECT kind FROM text_dictionaries ORDER BY dict_id")
        #expect(Set(kinds.rows.map { $0[0] }) == [.text("prompt"), .text("response"), .text("attributes")])
        // The first texts of each kind are frames without a dictionary (its samples), later ones name it.
        let prompts = try Self.dictionaryIDs(path, "SELECT prompt FROM event_texts ORDER BY event_id")
        #expect(prompts.first == 0)
        #expect(prompts.last != 0)
        #expect(prompts.filter { $0 != 0 }.count > 500)
        try await Self.expectEveryReaderSees(events, at: path, store: store)
        store.close()
    }

    /// A reader whose connection was open before the writer trained a dictionary
    /// finds it by its id on first sight.
    @Test func aReaderOpenBeforeTheDictionaryFindsIt() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("d.db")
        let store = try Self.open(path)
        let events = TextStorageTests.events(count: 600, seed: 22)
        try store.writeSynchronously(IngestBatch(events: Array(events[0..<20])))
        let sql = try ReadOnlySQL(path: path)
        #expect(try sql.query("SELECT count(*) FROM text_dictionaries").rows == [[.integer(0)]])
        #expect(try await store.candidates(eventIDs: [1]).first?.prompt == events[0].prompt)

        try store.writeSynchronously(IngestBatch(events: Array(events[20...])))
        #expect(try Self.dictionaryIDs(path, "SELECT prompt FROM event_texts WHERE event_id = 600") != [0])
        let last = try sql.query("SELECT prompt FROM event_texts WHERE event_id = 600")
        #expect(last.rows == [[.text(events[599].prompt!)]])
        try await Self.expectEveryReaderSees(events, at: path, store: store)
        store.close()
    }

    /// A store written before dictionaries (schema 12: plain rows and frames
    /// without a dictionary) is read as it was, and its writer goes on to train one.
    @Test func oldStoresReadAsTheyWere() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("old.db")
        let events = TextStorageTests.events(count: 500, seed: 23)
        do {
            let connection = try SQLiteConnection(path: path, mode: .readWrite)
            for step in Migrations.steps.prefix(12) { try connection.execute(step) }
            try connection.execute("PRAGMA user_version = 12")
            try connection.execute(
                "INSERT INTO event_keys VALUES (1, 'gpt-4o-mini', '', '', 'team-0', 'ok', 0)")
            let compressor = TextCompression.Compressor()
            let insertEvent = try connection.prepare(
                "INSERT INTO events (id, ts, key_id, latency, attributes) VALUES (1, ?, 1, 0.5, ?)")
            insertEvent.bind(1, events[0].timestamp)
            insertEvent.bind(2, blob: try #require(compressor.compress(events[0].attributes!)))
            try insertEvent.run()
            let insertText = try connection.prepare("INSERT INTO event_texts VALUES (1, ?, ?, ?)")
            insertText.bind(1, blob: try #require(compressor.compress(events[0].prompt!)))
            insertText.bind(2, events[0].response)
            insertText.bind(3, events[0].context)
            try insertText.run()
        }
        let store = try Self.open(path)
        try store.writeSynchronously(IngestBatch(events: Array(events[1...])))
        #expect(try Self.dictionaryIDs(path, "SELECT prompt FROM event_texts WHERE event_id = 1") == [0])
        #expect(try Self.dictionaryIDs(path, "SELECT prompt FROM event_texts WHERE event_id = 500") != [0])
        try await Self.expectEveryReaderSees(events, at: path, store: store)
        store.close()
    }

    @Test func aMissingDictionaryIsAnErrorNotGarbage() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("d.db")
        let store = try Self.open(path)
        let events = TextStorageTests.events(count: 400, seed: 24)
        try store.writeSynchronously(IngestBatch(events: events))
        store.close()
        let id = try #require(try Self.dictionaryIDs(path, "SELECT prompt FROM event_texts WHERE event_id = 400").first)
        #expect(id != 0)
        try SQLiteConnection(path: path, mode: .readWrite).execute("DELETE FROM text_dictionaries")

        let sql = try ReadOnlySQL(path: path)
        // Frames without a dictionary still read.
        #expect(try sql.query("SELECT prompt FROM event_texts WHERE event_id = 1").rows == [[.text(events[0].prompt!)]])
        for query in [
            "SELECT prompt FROM event_texts WHERE event_id = 400",
            "SELECT length(infermon_text(prompt)) FROM event_texts WHERE event_id = 400",
        ] {
            let error = #expect(throws: InfermonError.self) { try sql.query(query) }
            #expect(error?.message.contains("text dictionary \(id)") == true, "\(error?.message ?? "")")
        }
        let reopened = try Self.open(path)
        await #expect(throws: InfermonError.self) { try await reopened.candidates(eventIDs: [400]) }
        reopened.close()
    }

    /// Retention deletes events and their texts, never the dictionaries in use:
    /// texts written later are compressed with them.
    @Test func retentionKeepsDictionaries() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("d.db")
        let day = RetentionPolicy.day
        let dayMillis: Int64 = 86_400_000
        let clock = ManualClock(now: Self.later)
        let store = try SQLiteStore(
            path: path, options: StoreOptions(retention: RetentionPolicy(events: day * 2, rollups: day * 10)),
            clock: clock, logger: Logger(label: "t"))
        var old = TextStorageTests.events(count: 400, seed: 26)
        for index in old.indices { old[index].timestamp -= 5 * dayMillis }
        try store.writeSynchronously(IngestBatch(events: old))
        let trained = try ReadOnlySQL(path: path).query("SELECT * FROM text_dictionaries").rows
        #expect(!trained.isEmpty)
        let report = try await RetentionService(
            store: store, interval: .seconds(60), clock: clock, logger: Logger(label: "t")
        ).runOnce()
        #expect(report.events == 400)
        #expect(try ReadOnlySQL(path: path).query("SELECT * FROM text_dictionaries").rows == trained)

        let recent = TextStorageTests.events(count: 100, seed: 27)
        try store.writeSynchronously(IngestBatch(events: recent))
        #expect(!(try Self.dictionaryIDs(path, "SELECT prompt FROM event_texts").contains(0)))
        let sql = try ReadOnlySQL(path: path)
        #expect(
            try sql.query("SELECT prompt FROM event_texts ORDER BY event_id").rows == recent.map { [.text($0.prompt!)] }
        )
        store.close()
    }

    /// A writer reopened goes on with the dictionaries it trained, instead of training new ones.
    @Test func aReopenedWriterKeepsItsDictionaries() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("d.db")
        let events = TextStorageTests.events(count: 450, seed: 25)
        let first = try Self.open(path)
        try first.writeSynchronously(IngestBatch(events: Array(events[0..<400])))
        first.close()
        let trained = try ReadOnlySQL(path: path).query("SELECT dict_id, kind FROM text_dictionaries").rows
        #expect(!trained.isEmpty)
        let second = try Self.open(path)
        try second.writeSynchronously(IngestBatch(events: Array(events[400...])))
        #expect(try ReadOnlySQL(path: path).query("SELECT dict_id, kind FROM text_dictionaries").rows == trained)
        let prompts = try Self.dictionaryIDs(path, "SELECT prompt FROM event_texts WHERE event_id > 400")
        let promptDictionary = try #require(trained.first { $0[1] == .text("prompt") }?[0])
        #expect(Set(prompts.map { SQLValue.integer(Int64($0)) }) == [promptDictionary])
        try await Self.expectEveryReaderSees(events, at: path, store: second)
        second.close()
    }
}
