public import InfermonCore
import Synchronization

/// Create, list and expire silences, and answer "is this alert silenced?" for
/// the dispatcher. The HTTP API and the CLI call these; the dispatcher reads a
/// snapshot refreshed from the store at most every `refreshInterval`, so a
/// silence written by `infermon silence add` into the same database takes
/// effect within that time.
public final class Silences: SilenceRegistry {
    private let store: any SilenceStore
    private let clock: any WallClock
    /// Expired silences are kept this long for `list`, then deleted (Alertmanager keeps five days).
    public let retention: Duration
    private let refreshInterval: Duration
    private let snapshot = Mutex<(loadedAt: Timestamp, silences: [Silence])?>(nil)

    public init(
        store: any SilenceStore, clock: any WallClock = SystemWallClock(), retention: Duration = .seconds(5 * 86_400),
        refreshInterval: Duration = .seconds(5)
    ) {
        self.store = store
        self.clock = clock
        self.retention = retention
        self.refreshInterval = refreshInterval
    }

    /// Creates a silence. Without `startsAt` it starts now.
    @discardableResult
    public func create(
        matchers: [LabelMatcher], startsAt: Timestamp? = nil, endsAt: Timestamp, createdBy: String, comment: String
    ) async throws -> Silence {
        let now = clock.now()
        let silence = Silence(
            id: Self.makeID(), matchers: matchers, startsAt: startsAt ?? now, endsAt: endsAt, createdBy: createdBy,
            comment: comment, updatedAt: now)
        try silence.validate()
        guard endsAt > now else { throw InfermonError.invalidArgument("a new silence must end in the future") }
        try await store.saveSilence(silence)
        invalidate()
        return silence
    }

    /// Silences in the given state (all when nil), newest first; prunes those expired longer than `retention`.
    public func list(state: Silence.State? = nil) async throws -> [Silence] {
        let now = clock.now()
        try await store.deleteSilences(endedBefore: now - retention.millis)
        let all = try await store.silences()
        return all.filter { state == nil || $0.state(at: now) == state }.sorted { $0.updatedAt > $1.updatedAt }
    }

    /// Ends a silence now. A silence that has not started yet ends before it begins.
    @discardableResult
    public func expire(id: String) async throws -> Silence {
        let now = clock.now()
        guard var silence = try await store.silences().first(where: { $0.id == id }) else {
            throw InfermonError.invalidArgument("no silence with id \(id)")
        }
        guard silence.state(at: now) != .expired else {
            throw InfermonError.invalidArgument("silence \(id) has already expired")
        }
        if silence.startsAt > now { silence.startsAt = now }
        silence.endsAt = now
        silence.updatedAt = now
        try await store.saveSilence(silence)
        invalidate()
        return silence
    }

    /// The ids of the silences muting an alert with these labels right now.
    public func silencing(_ labels: Labels) async throws -> [String] {
        let now = clock.now()
        return try await current().filter { $0.mutes(labels, at: now) }.map(\.id)
    }

    /// The silences not yet expired, from a snapshot at most `refreshInterval` old.
    func current() async throws -> [Silence] {
        let now = clock.now()
        if let cached = snapshot.withLock({ $0 }), now - cached.loadedAt < refreshInterval.millis {
            return cached.silences
        }
        let loaded = try await store.silences().filter { $0.state(at: now) != .expired }
        snapshot.withLock { $0 = (now, loaded) }
        return loaded
    }

    private func invalidate() { snapshot.withLock { $0 = nil } }

    /// A random (version 4) UUID, as Alertmanager names silences.
    static func makeID() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0f | 0x40
        bytes[8] = bytes[8] & 0x3f | 0x80
        let hex = bytes.map { byte in
            let text = String(byte, radix: 16)
            return text.count == 1 ? "0" + text : text
        }.joined()
        let characters = Array(hex)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }
        return parts.joined(separator: "-")
    }
}
