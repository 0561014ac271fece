public import InfermonCore
import Synchronization

/// The LLM judge's caps: judged events per clock hour and spend per UTC day.
/// A request reserves its worst-case cost (one token per prompt byte, plus
/// `max_tokens` of output) before it is sent, and the
/// reservation is settled with the cost the endpoint reports afterwards, so
/// concurrent requests cannot together overshoot the daily cap.
public final class JudgeBudget: Sendable {
    public struct Usage: Sendable, Equatable {
        /// Events judged in the current clock hour.
        public var hourCount: Int
        /// Spend in the current UTC day, including reservations in flight.
        public var daySpend: Double

        public init(hourCount: Int, daySpend: Double) {
            self.hourCount = hourCount
            self.daySpend = daySpend
        }
    }

    private struct State {
        var hourStart: Timestamp
        var hourCount: Int
        var dayStart: Timestamp
        var daySpend: Double
    }

    public let maxEventsPerHour: Int
    public let maxSpendPerDay: Double
    private let state: Mutex<State>

    /// `restored` is what the store says was used in the hour and day containing `now`.
    public init(
        maxEventsPerHour: Int, maxSpendPerDay: Double, restored: Usage = Usage(hourCount: 0, daySpend: 0),
        now: Timestamp
    ) {
        self.maxEventsPerHour = maxEventsPerHour
        self.maxSpendPerDay = maxSpendPerDay
        state = Mutex(
            State(
                hourStart: Self.hourStart(now), hourCount: restored.hourCount, dayStart: Self.dayStart(now),
                daySpend: restored.daySpend))
    }

    /// What the store recorded for `judge` in the clock hour (events) and UTC
    /// day (spend) containing `now`.
    public static func recordedUsage(in store: any JudgmentStore, judge: String, now: Timestamp) async throws -> Usage {
        let hour = try await store.judgeUsage(judge: judge, since: hourStart(now))
        let day = try await store.judgeUsage(judge: judge, since: dayStart(now))
        return Usage(hourCount: hour.count, daySpend: day.cost)
    }

    public static func hourStart(_ time: Timestamp) -> Timestamp { time - ((time % 3_600_000) + 3_600_000) % 3_600_000 }
    public static func dayStart(_ time: Timestamp) -> Timestamp {
        time - ((time % 86_400_000) + 86_400_000) % 86_400_000
    }

    /// Reserves one event and `estimatedCost`; nil with the reason when a cap would be passed.
    public func reserve(estimatedCost: Double, now: Timestamp) -> Result<Double, CapReached> {
        state.withLock { state in
            roll(&state, now)
            if state.hourCount >= maxEventsPerHour { return .failure(.eventsPerHour(maxEventsPerHour)) }
            if state.daySpend + estimatedCost > maxSpendPerDay { return .failure(.spendPerDay(maxSpendPerDay)) }
            state.hourCount += 1
            state.daySpend += estimatedCost
            return .success(estimatedCost)
        }
    }

    /// Replaces a reservation by the real cost (reported by the endpoint, or
    /// the reservation itself when the outcome is unknown, e.g. after a timeout).
    public func settle(reserved: Double, actualCost: Double, reservedAt: Timestamp, now: Timestamp) {
        state.withLock { state in
            roll(&state, now)
            // A reservation from yesterday no longer counts against today.
            if Self.dayStart(reservedAt) == state.dayStart {
                state.daySpend += actualCost - reserved
            } else {
                state.daySpend += actualCost
            }
        }
    }

    /// Raises the usage to what the store recorded for the current hour and day
    /// (never lowers it, so calling it after judging has started cannot undercount).
    public func absorb(_ recorded: Usage, now: Timestamp) {
        state.withLock { state in
            roll(&state, now)
            state.hourCount = max(state.hourCount, recorded.hourCount)
            state.daySpend = max(state.daySpend, recorded.daySpend)
        }
    }

    public func usage(now: Timestamp) -> Usage {
        state.withLock { state in
            roll(&state, now)
            return Usage(hourCount: state.hourCount, daySpend: state.daySpend)
        }
    }

    private func roll(_ state: inout State, _ now: Timestamp) {
        let hour = Self.hourStart(now)
        if hour > state.hourStart {
            state.hourStart = hour
            state.hourCount = 0
        }
        let day = Self.dayStart(now)
        if day > state.dayStart {
            state.dayStart = day
            state.daySpend = 0
        }
    }

    public enum CapReached: Error, Sendable, Equatable, CustomStringConvertible {
        case eventsPerHour(Int)
        case spendPerDay(Double)

        public var description: String {
            switch self {
            case .eventsPerHour(let cap): "judge cap of \(cap) events per hour reached"
            case .spendPerDay(let cap): "judge spend cap of \(cap) USD per day reached"
            }
        }
    }
}
