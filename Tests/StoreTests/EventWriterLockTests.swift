import InfermonCore
import InfermonTesting
import Logging
import Testing

@testable import Store

#if canImport(Glibc)
    import Glibc
#endif

/// The writer lock as a store that is not opened as the event writer meets it:
/// its event and sample writes take the lock on first use and are refused while
/// another holder has it, before anything is written, while its small-state
/// writes and reads go on. flock conflicts between two opens of the lock file
/// even in one process, so two stores here stand for two processes (the real
/// processes are in `SingleWriterTests`).
@Suite("Event writer lock")
struct EventWriterLockTests {
    static func events(_ prefix: String, _ count: Int, at now: Timestamp) -> IngestBatch {
        IngestBatch(
            events: (0..<count).map {
                InferenceEvent(timestamp: now - Int64($0), requestID: "\(prefix)\($0)", model: "m", latency: 0.1)
            })
    }

    static func eventCount(_ path: String) throws -> SQLValue {
        try ReadOnlySQL(path: path).query("SELECT count(*) FROM events").rows[0][0]
    }

    @Test func writesOfEventsAndSamplesWaitForTheHolderToCloseOtherWritesDoNot() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("s.db")
        let now = SystemWallClock().now()
        let holder = try SQLiteStore(path: path, eventWriter: true, logger: Logger(label: "t"))
        try await holder.write(Self.events("h", 3, at: now))
        let other = try SQLiteStore(path: path, logger: Logger(label: "t"))

        await #expect {
            try await other.write(Self.events("o", 5, at: now))
        } throws: { error in
            let message = (error as? InfermonError)?.message ?? "\(error)"
            return message.contains("\(path) is being written by another process (pid \(getpid()):")
                && message.contains("POST /api/v1/events")
        }
        let series = Labels(name: "probe", ["job": "t"])
        await #expect(throws: InfermonError.self) { try await other.append([(series, Sample(now, 1))]) }
        #expect(throws: InfermonError.self) { try other.writeSynchronously(Self.events("o", 5, at: now)) }
        #expect(try Self.eventCount(path) == .integer(3))
        // Small state has no counter in memory: it is written beside the holder.
        let label = TruthLabel(requestID: "h0", name: "ok", value: .bool(true), source: "t", receivedAt: now)
        #expect(try await other.recordLabels([label]) == 1)

        // A second open as the event writer is refused in its initializer, before it opens the file.
        #expect(throws: InfermonError.self) {
            _ = try SQLiteStore(path: path, eventWriter: true, logger: Logger(label: "t"))
        }

        holder.close()
        try await other.write(Self.events("o", 5, at: now))
        #expect(try Self.eventCount(path) == .integer(8))
        // Now `other` holds it, taken by its first event write.
        #expect(throws: InfermonError.self) {
            _ = try SQLiteStore(path: path, eventWriter: true, logger: Logger(label: "t"))
        }
        other.close()
        let next = try SQLiteStore(path: path, eventWriter: true, logger: Logger(label: "t"))
        try await next.write(Self.events("n", 2, at: now))
        next.close()
        #expect(try Self.eventCount(path) == .integer(10))
    }

    /// A lock without a holder line is one in passing: a holder that has not signed
    /// it yet, or a descriptor a forked child shares for the instant before its exec
    /// (what made the write after `close()` above fail once under load). It is waited
    /// for, briefly; held for good, it is refused like any other.
    @Test func aLockWithoutAHolderLineIsWaitedForBrieflyThenRefused() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("s.db")
        let lock = EventWriterLock(storePath: path)
        let unsigned = open(lock.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        #expect(unsigned >= 0)
        #expect(flock(unsigned, LOCK_EX | LOCK_NB) == 0)

        #expect {
            try lock.acquire()
        } throws: { error in
            let message = (error as? InfermonError)?.message ?? "\(error)"
            return message.contains("\(path) is being written by another process;")
        }
        #expect(!lock.isHeld)

        // Let go while the acquisition is under way: it takes the lock instead of refusing.
        let waiting = Task.detached { try lock.acquire() }
        close(unsigned)
        try await waiting.value
        #expect(lock.isHeld)
        lock.release()
    }
}
