import Collectors
import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

/// The tailer against a real SQLite store and real files, driven poll by poll.
@Suite("File tailer: rotation, truncation, partial lines, restarts")
struct FileTailerTests {
    final class Fixture {
        let directory: TemporaryDirectory
        let store: SQLiteStore
        let clock = ManualClock()
        var logPath: String { directory.file("app.jsonl") }
        var nextID = 0

        init() throws {
            directory = try TemporaryDirectory()
            store = try SQLiteStore(path: directory.file("store.db"), clock: clock, logger: Logger(label: "test"))
        }

        func tailer(
            idlePolls: Int = 2, sink: (any IngestSink)? = nil, maxLine: Int = 1 << 20, glob: String = "*.jsonl"
        ) -> FileTailer {
            FileTailer(
                options: FileSourceOptions(
                    name: "logs", paths: [directory.file(glob)], maxLineBytes: maxLine, rotatedIdlePolls: idlePolls
                ),
                sink: sink ?? store, checkpoints: store, clock: clock, logger: Logger(label: "test"))
        }

        /// Lines with unique request ids, so duplicates and losses are visible.
        func lines(_ count: Int) -> String {
            (0..<count).map { _ in
                nextID += 1
                return #"{"timestamp":1795830531000,"request_id":"r\#(nextID)","model":"m","latency_ms":5}"# + "\n"
            }.joined()
        }

        func requestIDs() throws -> [String] {
            let sql = try ReadOnlySQL(path: directory.file("store.db"))
            return try sql.query("SELECT request_id FROM events ORDER BY id").rows.map { "\($0[0])" }
        }

        func expectExactlyOnce(_ count: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
            let ids = try requestIDs()
            #expect(ids.count == count, sourceLocation: sourceLocation)
            #expect(Set(ids).count == ids.count, "duplicates: \(ids)", sourceLocation: sourceLocation)
            #expect(Set(ids) == Set((1...max(count, 1)).prefix(count).map { "r\($0)" }), sourceLocation: sourceLocation)
        }
    }

    @Test func partialLastLineWaitsForItsNewline() async throws {
        let fixture = try Fixture()
        let tailer = fixture.tailer()
        let text = fixture.lines(3)
        let cut = text.utf8.count - 20
        try TestFiles.append(bytes: Array(text.utf8.prefix(cut)), to: fixture.logPath)
        try await tailer.pollOnce()
        try fixture.expectExactlyOnce(2)
        try TestFiles.append(bytes: Array(text.utf8.dropFirst(cut)), to: fixture.logPath)
        try await tailer.pollOnce()
        try fixture.expectExactlyOnce(3)
        #expect(try fixture.store.stats().deadLetters.isEmpty)
    }

    @Test func renameRotationReadsTheOldFileToItsEndAndPicksUpTheNewOne() async throws {
        let fixture = try Fixture()
        let tailer = fixture.tailer(idlePolls: 2)
        try TestFiles.append(fixture.lines(3), to: fixture.logPath)
        try await tailer.pollOnce()
        try TestFiles.rename(fixture.logPath, to: fixture.directory.file("app.jsonl.1"))
        // The application still holds the old descriptor for a moment.
        try TestFiles.append(fixture.lines(2), to: fixture.directory.file("app.jsonl.1"))
        try TestFiles.append(fixture.lines(4), to: fixture.logPath)
        for _ in 0..<4 { try await tailer.pollOnce() }
        try fixture.expectExactlyOnce(9)
        #expect(await tailer.lag().map(\.path) == [fixture.logPath])
    }

    @Test func copyTruncateStartsOverAtTheBeginning() async throws {
        let fixture = try Fixture()
        let tailer = fixture.tailer()
        try TestFiles.append(fixture.lines(3), to: fixture.logPath)
        try await tailer.pollOnce()
        try TestFiles.truncate(fixture.logPath)
        try TestFiles.append(fixture.lines(2), to: fixture.logPath)
        try await tailer.pollOnce()
        try fixture.expectExactlyOnce(5)
    }

    /// What logrotate's copytruncate does, with the copy under a name the glob
    /// matches: the copy is a new inode holding lines already read, plus any
    /// written after the last poll. Nothing twice, nothing lost, and the
    /// truncation is noticed once, not on every later poll.
    @Test(arguments: [false, true])
    func copyTruncateWithTheCopyMatchingTheGlobReadsEachLineOnce(restartInBetween: Bool) async throws {
        let fixture = try Fixture()
        var tailer = fixture.tailer(glob: "*.jsonl*")
        try TestFiles.append(fixture.lines(30), to: fixture.logPath)
        try await tailer.pollOnce()
        // Written after the last poll: only the copy will have these.
        try TestFiles.append(fixture.lines(5), to: fixture.logPath)
        try TestFiles.append(bytes: try TestFiles.read(fixture.logPath), to: fixture.directory.file("app.jsonl.1"))
        try TestFiles.truncate(fixture.logPath)
        try TestFiles.append(fixture.lines(10), to: fixture.logPath)
        if restartInBetween { tailer = fixture.tailer(glob: "*.jsonl*") }
        for _ in 0..<5 { try await tailer.pollOnce() }
        try fixture.expectExactlyOnce(45)
        // The next rotation, and the next run, find the same again.
        try TestFiles.rename(fixture.directory.file("app.jsonl.1"), to: fixture.directory.file("app.jsonl.2"))
        try TestFiles.append(bytes: try TestFiles.read(fixture.logPath), to: fixture.directory.file("app.jsonl.1"))
        try TestFiles.truncate(fixture.logPath)
        try TestFiles.append(fixture.lines(3), to: fixture.logPath)
        for _ in 0..<3 { try await tailer.pollOnce() }
        try await fixture.tailer(glob: "*.jsonl*").pollOnce()
        try fixture.expectExactlyOnce(48)
    }

    /// The truncation can be seen before the copy is (both happen between two
    /// polls, or the copy's name turns up later). The copy is still read on from
    /// where its content was read, also when a restart in between left an older
    /// checkpoint of that content behind.
    @Test(arguments: [false, true])
    func aCopySeenAfterTheTruncationIsReadOnFromWhereItWas(restartedBefore: Bool) async throws {
        let fixture = try Fixture()
        var tailer = fixture.tailer(glob: "*.jsonl*")
        try TestFiles.append(fixture.lines(10), to: fixture.logPath)
        try await tailer.pollOnce()
        if restartedBefore { tailer = fixture.tailer(glob: "*.jsonl*") }
        try TestFiles.append(fixture.lines(20), to: fixture.logPath)
        try await tailer.pollOnce()
        let original = try TestFiles.read(fixture.logPath)
        try TestFiles.truncate(fixture.logPath)
        try TestFiles.append(fixture.lines(4), to: fixture.logPath)
        try await tailer.pollOnce()
        try fixture.expectExactlyOnce(34)
        try TestFiles.append(bytes: original, to: fixture.directory.file("app.jsonl.1"))
        for _ in 0..<3 { try await tailer.pollOnce() }
        try fixture.expectExactlyOnce(34)
    }

    /// copytruncate's `cp` is not atomic: a poll can find the copy half
    /// written, shorter than what was read of the original. It waits there for
    /// the rest, also across a restart, rather than taking the short copy for a
    /// truncated file and reading it from the start.
    @Test(arguments: [false, true])
    func aCopyStillBeingWrittenIsReadOnOnceComplete(restartWhileShort: Bool) async throws {
        let fixture = try Fixture()
        var tailer = fixture.tailer(glob: "*.jsonl*")
        try TestFiles.append(fixture.lines(30), to: fixture.logPath)
        try await tailer.pollOnce()
        // Written after the last poll: only the copy will have these.
        try TestFiles.append(fixture.lines(5), to: fixture.logPath)
        let original = try TestFiles.read(fixture.logPath)
        let copy = fixture.directory.file("app.jsonl.1")
        let half = original.count / 2
        try TestFiles.append(bytes: Array(original.prefix(half)), to: copy)
        try await tailer.pollOnce()
        // The original is read on meanwhile; the copy will not read those lines again.
        try fixture.expectExactlyOnce(35)
        if restartWhileShort { tailer = fixture.tailer(glob: "*.jsonl*") }
        // Two more lines before the copy ends: only the copy will have them.
        let late = fixture.lines(2)
        try TestFiles.append(late, to: fixture.logPath)
        try TestFiles.append(bytes: Array(original.dropFirst(half)) + Array(late.utf8), to: copy)
        try TestFiles.truncate(fixture.logPath)
        try TestFiles.append(fixture.lines(3), to: fixture.logPath)
        for _ in 0..<3 { try await tailer.pollOnce() }
        try fixture.expectExactlyOnce(40)
        #expect(try fixture.store.stats().deadLetters.isEmpty, "no line was read from its middle")
    }

    @Test func truncatedAndRegrownPastTheOldOffsetIsNoticedByFingerprint() async throws {
        let fixture = try Fixture()
        let tailer = fixture.tailer()
        try TestFiles.append(fixture.lines(2), to: fixture.logPath)
        try await tailer.pollOnce()
        try TestFiles.truncate(fixture.logPath)
        try TestFiles.append(fixture.lines(6), to: fixture.logPath)
        try await tailer.pollOnce()
        try fixture.expectExactlyOnce(8)
    }

    @Test func filesThatAppearLaterAreFollowed() async throws {
        let fixture = try Fixture()
        let tailer = fixture.tailer()
        try await tailer.pollOnce()
        try fixture.expectExactlyOnce(0)
        try TestFiles.append(fixture.lines(2), to: fixture.directory.file("late.jsonl"))
        try await tailer.pollOnce()
        try fixture.expectExactlyOnce(2)
    }

    @Test func deletedFilesAreDrainedAndTheirCheckpointDropped() async throws {
        let fixture = try Fixture()
        let tailer = fixture.tailer(idlePolls: 2)
        try TestFiles.append(fixture.lines(2), to: fixture.logPath)
        try await tailer.pollOnce()
        #expect(try fixture.store.checkpoints(source: "logs").count == 1)
        TestFiles.remove(fixture.logPath)
        for _ in 0..<3 { try await tailer.pollOnce() }
        #expect(try fixture.store.checkpoints(source: "logs").isEmpty)
        try fixture.expectExactlyOnce(2)
    }

    @Test func aRestartedTailerResumesFromTheCheckpoint() async throws {
        let fixture = try Fixture()
        try TestFiles.append(fixture.lines(5), to: fixture.logPath)
        try await fixture.tailer().pollOnce()
        try TestFiles.append(fixture.lines(3), to: fixture.logPath)
        let second = fixture.tailer()
        try await second.pollOnce()
        try fixture.expectExactlyOnce(8)
        let checkpoint = try #require(try fixture.store.checkpoints(source: "logs").first)
        #expect(checkpoint.lineNumber == 8)
        #expect(checkpoint.offset == Int64(try TestFiles.read(fixture.logPath).count))
    }

    @Test func aFileReplacedUnderTheSameInodeIsNotSkipped() async throws {
        // A checkpoint whose fingerprint no longer matches must not be trusted.
        let fixture = try Fixture()
        try TestFiles.append(fixture.lines(4), to: fixture.logPath)
        try await fixture.tailer().pollOnce()
        try TestFiles.truncate(fixture.logPath)
        try TestFiles.append(fixture.lines(5), to: fixture.logPath)
        try await fixture.tailer().pollOnce()
        try fixture.expectExactlyOnce(9)
    }

    struct FailingOnce: IngestSink {
        let inner: any IngestSink
        let failures: Counter
        func write(_ batch: IngestBatch) async throws {
            if failures.next() == 0 { throw InfermonError.storage("disk full") }
            try await inner.write(batch)
        }
    }

    @Test func aFailedStoreWriteIsReadAgainNotLost() async throws {
        let fixture = try Fixture()
        let tailer = fixture.tailer(sink: FailingOnce(inner: fixture.store, failures: Counter()))
        try TestFiles.append(fixture.lines(3), to: fixture.logPath)
        await #expect(throws: InfermonError.self) { try await tailer.pollOnce() }
        try fixture.expectExactlyOnce(0)
        try await tailer.pollOnce()
        try fixture.expectExactlyOnce(3)
    }

    /// Stores the first batch, then throws as if the COMMIT's answer was lost.
    struct LosingFirstAnswer: IngestSink {
        let inner: any IngestSink
        let calls: Counter
        func write(_ batch: IngestBatch) async throws {
            try await inner.write(batch)
            if calls.next() == 0 { throw InfermonError.unavailable("the database connection closed") }
        }
    }

    @Test func aWriteStoredThoughReportedFailedIsNotSentAgain() async throws {
        // The retry reads more than the lost batch held (lines arrived meanwhile), so
        // only the stored checkpoints can tell what the store already has.
        let fixture = try Fixture()
        let tailer = fixture.tailer(sink: LosingFirstAnswer(inner: fixture.store, calls: Counter()))
        try TestFiles.append(fixture.lines(3), to: fixture.logPath)
        await #expect(throws: InfermonError.self) { try await tailer.pollOnce() }
        try fixture.expectExactlyOnce(3)
        try TestFiles.append(fixture.lines(2), to: fixture.logPath)
        try await tailer.pollOnce()
        try fixture.expectExactlyOnce(5)
        #expect(try fixture.store.checkpoints(source: "logs").first?.lineNumber == 5)
    }

    @Test func deadLettersNameTheFileAndLine() async throws {
        let fixture = try Fixture()
        let tailer = fixture.tailer()
        try TestFiles.append(fixture.lines(1) + "{oops\n" + fixture.lines(1), to: fixture.logPath)
        try await tailer.pollOnce()
        let sql = try ReadOnlySQL(path: fixture.directory.file("store.db"))
        let rows = try sql.query("SELECT location, line, kind, excerpt FROM dead_letters").rows
        #expect(rows == [[.text(fixture.logPath), .integer(2), .text("invalid_json"), .blob(Array("{oops".utf8))]])
    }
}

/// A thread-safe counter for test doubles.
final class Counter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLockLike()
    func next() -> Int {
        lock.withLock {
            defer { value += 1 }
            return value
        }
    }
}

/// A minimal lock without Foundation.
final class NSLockLike: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}

#if canImport(Glibc)
    import Glibc
#endif
