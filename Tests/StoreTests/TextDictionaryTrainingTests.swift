import InfermonCore
import InfermonTesting
import Testing

@testable import Store

/// When the writer trains, keeps and replaces text dictionaries, on a store's
/// connection with small sample and window sizes.
@Suite("Text dictionary training")
struct TextDictionaryTrainingTests {
    /// JSON of one shape (`shape` picks the keys and words), about 2 KB, ids varying.
    static func document(shape: Int, index: Int, random: inout SeededRandom) -> String {
        let words =
            shape == 0 ? ["alpha", "beta", "gamma", "delta", "null", "true"] : ["Zürich", "Ωmega", "ψ", "東京", "42"]
        let fields = (0..<60).map { field in
            "\"\(shape == 0 ? "field" : "Schlüssel")_\(field)\":\"\(words[(field * 7 + shape) % words.count])\""
        }
        return "{\"id\":\"\(random.next())\",\"n\":\(index)," + fields.joined(separator: ",")
            + ",\"spend\":\(random.unit())}"
    }

    static func connection(_ directory: TemporaryDirectory) throws -> SQLiteConnection {
        let connection = try SQLiteConnection(path: directory.file("t.db"), mode: .readWrite)
        try Migrations.migrate(connection)
        return connection
    }

    /// Compresses `texts` as one source's attributes of events stored from `firstEventID`
    /// on (rows of their own, so the writer sees them kept); the frames (nil: kept plain) in order.
    static func compress(
        _ texts: [String], with dictionaries: TextDictionaries, on connection: SQLiteConnection,
        firstEventID: Int64 = 1, source: Int64 = 1
    ) throws -> [[UInt8]?] {
        let insert = try connection.prepare("INSERT INTO events (id, ts, key_id) VALUES (?, 0, 1)")
        return try texts.enumerated().map { offset, text in
            insert.bind(1, firstEventID + Int64(offset))
            try insert.run()
            return try dictionaries.compress(
                text, kind: .attributes, source: source, eventID: firstEventID + Int64(offset))
        }
    }

    static func expectReadBack(_ frames: [[UInt8]?], _ texts: [String], on connection: SQLiteConnection) throws {
        for (frame, text) in zip(frames, texts) {
            let frame = try #require(frame)
            #expect(try frame.withUnsafeBytes { try connection.texts.decompress($0) } == text)
        }
    }

    static func dictionaryIDs(_ frames: [[UInt8]?]) -> [UInt32] {
        frames.map { $0?.withUnsafeBytes { TextCompression.dictionaryID($0) } ?? 0 }
    }

    @Test func textsThatChangeGetANewDictionaryAndTheOldOneStays() throws {
        let directory = try TemporaryDirectory()
        let connection = try Self.connection(directory)
        let dictionaries = TextDictionaries(connection: connection, sampleBytes: 64 * 1024, window: 100)
        var random = SeededRandom(seed: 31)
        let first = (0..<200).map { Self.document(shape: 0, index: $0, random: &random) }
        let second = (0..<400).map { Self.document(shape: 1, index: $0, random: &random) }
        let firstFrames = try Self.compress(first, with: dictionaries, on: connection)
        #expect(try connection.scalarInt("SELECT count(*) FROM text_dictionaries") == 1)
        #expect(Self.dictionaryIDs(firstFrames).last == 1)
        let secondFrames = try Self.compress(second, with: dictionaries, on: connection, firstEventID: 201)

        let rows = try connection.prepare("SELECT dict_id, kind, source_id, ratio FROM text_dictionaries")
        var kept: [(Int64, String, Int64, Double)] = []
        while try rows.step() { kept.append((rows.int64(0), rows.string(1), rows.int64(2), rows.double(3))) }
        #expect(kept.map(\.0) == [1, 2])
        #expect(kept.allSatisfy { $0.1 == "attributes" && $0.2 == 1 && $0.3 < 0.2 })
        #expect(Self.dictionaryIDs(secondFrames).last == 2)
        try Self.expectReadBack(firstFrames + secondFrames, first + second, on: connection)
    }

    @Test func steadyTextsKeepTheirDictionary() throws {
        let directory = try TemporaryDirectory()
        let connection = try Self.connection(directory)
        let dictionaries = TextDictionaries(connection: connection, sampleBytes: 64 * 1024, window: 100)
        var random = SeededRandom(seed: 32)
        let texts = (0..<1_000).map { Self.document(shape: 0, index: $0, random: &random) }
        let frames = try Self.compress(texts, with: dictionaries, on: connection)
        #expect(try connection.scalarInt("SELECT count(*) FROM text_dictionaries") == 1)
        #expect(Set(Self.dictionaryIDs(frames.suffix(900))) == [1])
        try Self.expectReadBack(frames, texts, on: connection)
    }

    /// Samples held for all sources together are bounded: at the bound a source
    /// trains on what it has, and one with too little keeps no more.
    @Test func samplesOfManySourcesAreBounded() throws {
        let directory = try TemporaryDirectory()
        let connection = try Self.connection(directory)
        let dictionaries = TextDictionaries(
            connection: connection, sampleBytes: 1 << 20, window: 100, sampleMemory: 100 * 1024)
        var random = SeededRandom(seed: 34)
        var texts: [String] = []
        var frames: [[UInt8]?] = []
        for index in 0..<200 {
            let text = Self.document(shape: index % 2, index: index, random: &random)
            texts.append(text)
            frames.append(
                contentsOf: try Self.compress(
                    [text], with: dictionaries, on: connection, firstEventID: Int64(index + 1), source: Int64(index % 2)
                ))
        }
        let rows = try connection.prepare("SELECT source_id, samples FROM text_dictionaries ORDER BY dict_id")
        var trained: [(Int64, Int64)] = []
        while try rows.step() { trained.append((rows.int64(0), rows.int64(1))) }
        // No source held more than the bound's worth of texts; without it each would want 1 MiB of them.
        let bound = 100 * 1024 / texts.map(\.utf8.count).min()!
        #expect(Set(trained.map(\.0)) == [0, 1])
        #expect(trained.allSatisfy { $0.1 >= 8 && $0.1 <= bound }, "\(trained), at most \(bound)")
        #expect(Self.dictionaryIDs(frames.suffix(10)).allSatisfy { $0 != 0 })
        try Self.expectReadBack(frames, texts, on: connection)
    }

    /// A dictionary older than the maximum age is replaced even when it still
    /// does well (it is made of old texts), and deleted once the events that may
    /// name it are gone; until then it stays and its frames read.
    @Test func oldDictionariesAreReplacedAndGoWithTheirEvents() throws {
        let directory = try TemporaryDirectory()
        let connection = try Self.connection(directory)
        let clock = ManualClock(now: 1_800_000_000_000)
        let day: Int64 = 86_400_000
        let dictionaries = TextDictionaries(
            connection: connection, sampleBytes: 64 * 1024, window: 50, maximumAge: day, now: { clock.now() })
        var random = SeededRandom(seed: 35)
        let texts = (0..<300).map { Self.document(shape: 0, index: $0, random: &random) }
        let first = try Self.compress(Array(texts[0..<150]), with: dictionaries, on: connection)
        clock.advance(by: day + 60_000)
        let second = try Self.compress(Array(texts[150...]), with: dictionaries, on: connection, firstEventID: 151)
        let rows = try connection.prepare("SELECT dict_id, retired_after FROM text_dictionaries ORDER BY dict_id")
        var kept: [(Int64, Int64?)] = []
        while try rows.step() { kept.append((rows.int64(0), rows.optionalInt(1).map(Int64.init))) }
        #expect(kept.count == 2)
        let retiredAfter = try #require(kept.first?.1)
        #expect(kept.last?.1 == nil)
        // The frames name the first dictionary up to its retirement, then the second.
        let named = Self.dictionaryIDs(first + second)
        #expect(named[Int(retiredAfter) - 1] == 1)
        #expect(named[Int(retiredAfter)...].allSatisfy { $0 != 1 })
        try Self.expectReadBack(first + second, texts, on: connection)

        // Retention deletes the events up to the retirement but one: the dictionary stays.
        try connection.execute("DELETE FROM events WHERE id < \(retiredAfter)")
        _ = try Self.compress(Array(texts[0..<60]), with: dictionaries, on: connection, firstEventID: 301)
        #expect(try connection.scalarInt("SELECT count(*) FROM text_dictionaries") == 2)
        try connection.execute("DELETE FROM events WHERE id = \(retiredAfter)")
        _ = try Self.compress(Array(texts[0..<60]), with: dictionaries, on: connection, firstEventID: 361)
        #expect(try connection.scalarInt("SELECT min(dict_id) FROM text_dictionaries") == 2)
        try Self.expectReadBack(Array(second.suffix(50)), Array(texts.suffix(50)), on: connection)
    }

    /// A source that stops sending keeps no dictionary past its events: another
    /// source's texts retire it two days on, and it goes with its last event.
    @Test func anIdleSourcesDictionaryGoesWithItsEvents() throws {
        let directory = try TemporaryDirectory()
        let connection = try Self.connection(directory)
        let clock = ManualClock(now: 1_800_000_000_000)
        let day: Int64 = 86_400_000
        let dictionaries = TextDictionaries(
            connection: connection, sampleBytes: 64 * 1024, window: 50, maximumAge: day, now: { clock.now() })
        var random = SeededRandom(seed: 36)
        let texts = (0..<100).map { Self.document(shape: 0, index: $0, random: &random) }
        _ = try Self.compress(texts, with: dictionaries, on: connection, source: 1)
        #expect(try connection.scalarInt("SELECT count(*) FROM text_dictionaries WHERE source_id = 1") == 1)
        clock.advance(by: 2 * day + 60_000)
        let other = (0..<100).map { Self.document(shape: 1, index: $0, random: &random) }
        _ = try Self.compress(other, with: dictionaries, on: connection, firstEventID: 101, source: 2)
        // Retired at its last event, kept while that event is.
        #expect(try connection.scalarInt("SELECT retired_after FROM text_dictionaries WHERE source_id = 1") == 100)
        try connection.execute("DELETE FROM events WHERE id <= 100")
        _ = try Self.compress(other, with: dictionaries, on: connection, firstEventID: 201, source: 2)
        #expect(try connection.scalarInt("SELECT count(*) FROM text_dictionaries WHERE source_id = 1") == 0)
        // Its next texts are sampled anew.
        let again = try Self.compress(Array(texts.prefix(5)), with: dictionaries, on: connection, firstEventID: 301)
        #expect(Self.dictionaryIDs(again) == [0, 0, 0, 0, 0])
    }

    /// A dictionary trained in a transaction that is rolled back is forgotten with
    /// it, so no later frame names a dictionary the table does not hold.
    @Test func aRolledBackDictionaryIsNeverNamed() throws {
        let directory = try TemporaryDirectory()
        let connection = try Self.connection(directory)
        let dictionaries = TextDictionaries(connection: connection, sampleBytes: 64 * 1024, window: 100)
        var random = SeededRandom(seed: 33)
        let texts = (0..<300).map { Self.document(shape: 1, index: $0, random: &random) }
        try connection.execute("BEGIN")
        _ = try Self.compress(Array(texts[0..<100]), with: dictionaries, on: connection)
        #expect(try connection.scalarInt("SELECT count(*) FROM text_dictionaries") == 1)
        try connection.execute("ROLLBACK")
        dictionaries.discard()

        let frames = try Self.compress(Array(texts[100...]), with: dictionaries, on: connection, firstEventID: 101)
        #expect(Self.dictionaryIDs(frames).first == 0)
        #expect(Self.dictionaryIDs(frames).last == 1)
        try Self.expectReadBack(frames, Array(texts[100...]), on: connection)
    }
}
