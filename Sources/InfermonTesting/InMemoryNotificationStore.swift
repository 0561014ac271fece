public import InfermonCore
import Synchronization

/// The notification persistence protocols in memory, with the same ordering
/// and atomicity promises as the SQLite store, for dispatcher and delivery
/// tests. `failWrites` makes every write throw, to test what happens when the
/// store is unavailable.
public final class InMemoryNotificationStore: NotificationPersistence {
    private struct State {
        var outbox: [OutboxMessage] = []
        var dead: [DeadNotification] = []
        var counters: [String: Int] = [:]
        var log: [String: NotificationLogEntry] = [:]
        var silences: [String: Silence] = [:]
        var silenceOrder: [String] = []
        var failWrites = false
    }

    private let state = Mutex(State())

    public init() {}

    public var failWrites: Bool {
        get { state.withLock { $0.failWrites } }
        set { state.withLock { $0.failWrites = newValue } }
    }

    private func write<T>(_ body: (inout State) throws -> T) throws -> T {
        try state.withLock { state in
            if state.failWrites { throw InfermonError.storage("store writes are failing (test)") }
            return try body(&state)
        }
    }

    // MARK: Outbox

    public func enqueue(_ messages: [OutboxMessage], log entries: [NotificationLogEntry]) async throws {
        try write { state in
            state.outbox += messages
            for entry in entries { state.log[entry.groupKey + "\u{0}" + entry.integration] = entry }
        }
    }

    public func outboxHeads() async throws -> [OutboxMessage] {
        state.withLock { state in
            var seen: Set<String> = []
            return state.outbox.filter { seen.insert($0.integration).inserted }
        }
    }

    public func outboxMessages() async throws -> [OutboxMessage] { state.withLock { $0.outbox } }

    public func markDelivered(id: String) async throws {
        try write { $0.outbox.removeAll { $0.id == id } }
    }

    public func reschedule(id: String, attempts: Int, nextAttemptAt: Timestamp, error: String) async throws {
        try write { state in
            guard let index = state.outbox.firstIndex(where: { $0.id == id }) else { return }
            state.outbox[index].attempts = attempts
            state.outbox[index].nextAttemptAt = nextAttemptAt
            state.outbox[index].lastError = error
        }
    }

    public func deadLetter(id: String, reason: String, at time: Timestamp) async throws {
        try write { state in
            guard let index = state.outbox.firstIndex(where: { $0.id == id }) else { return }
            let message = state.outbox.remove(at: index)
            state.dead.append(DeadNotification(message: message, failedAt: time, reason: reason))
            state.counters[message.integration, default: 0] += 1
        }
    }

    public func deadNotifications(limit: Int) async throws -> [DeadNotification] {
        state.withLock { Array($0.dead.reversed().prefix(limit)) }
    }

    public func deadLetterCounts() async throws -> [String: Int] { state.withLock { $0.counters } }

    // MARK: Notification log

    public func notificationLog() async throws -> [NotificationLogEntry] {
        state.withLock { Array($0.log.values) }
    }

    public func pruneNotificationLog(sentBefore cutoff: Timestamp) async throws -> Int {
        try write { state in
            let before = state.log.count
            state.log = state.log.filter { $0.value.sentAt >= cutoff }
            return before - state.log.count
        }
    }

    // MARK: Silences

    public func saveSilence(_ silence: Silence) async throws {
        try write { state in
            if state.silences[silence.id] == nil { state.silenceOrder.append(silence.id) }
            state.silences[silence.id] = silence
        }
    }

    public func silences() async throws -> [Silence] {
        state.withLock { state in state.silenceOrder.compactMap { state.silences[$0] } }
    }

    public func deleteSilences(endedBefore cutoff: Timestamp) async throws -> Int {
        try write { state in
            let gone = state.silences.values.filter { $0.endsAt < cutoff }.map(\.id)
            for id in gone { state.silences[id] = nil }
            state.silenceOrder.removeAll { gone.contains($0) }
            return gone.count
        }
    }
}
