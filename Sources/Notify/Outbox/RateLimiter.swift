import InfermonCore
import Synchronization

/// A per-integration rate limit on the injected clock, as the generic cell
/// rate algorithm: each send pushes a "theoretical arrival time" one emission
/// interval on, and a send may go while that time is less than a burst ahead
/// of now. Integer milliseconds, so tests on a manual clock are exact. A
/// receiver that answered 429 or 503 with `Retry-After` is held back here
/// too, so every message to it waits, not only the refused one.
final class RateLimiter: Sendable {
    private struct Cell {
        var theoreticalArrival: Timestamp = .min
        var blockedUntil: Timestamp = .min
    }

    private let cells = Mutex<[String: Cell]>([:])

    /// When the next send to `integration` may go (`now` if it may go now).
    func nextAllowed(_ integration: String, limit: RateLimit?, now: Timestamp) -> Timestamp {
        let cell = cells.withLock { $0[integration] } ?? Cell()
        var earliest = max(now, cell.blockedUntil)
        if let limit, cell.theoreticalArrival != .min {
            earliest = max(earliest, cell.theoreticalArrival - Self.tolerance(limit))
        }
        return earliest
    }

    /// Records one send.
    func consume(_ integration: String, limit: RateLimit?, now: Timestamp) {
        guard let limit else { return }
        cells.withLock { cells in
            var cell = cells[integration] ?? Cell()
            cell.theoreticalArrival = max(cell.theoreticalArrival, now) + Self.interval(limit)
            cells[integration] = cell
        }
    }

    func block(_ integration: String, until time: Timestamp) {
        cells.withLock { cells in
            var cell = cells[integration] ?? Cell()
            cell.blockedUntil = max(cell.blockedUntil, time)
            cells[integration] = cell
        }
    }

    private static func interval(_ limit: RateLimit) -> Int64 { Int64((1000 / limit.perSecond).rounded()) }
    private static func tolerance(_ limit: RateLimit) -> Int64 { interval(limit) * Int64(limit.burst - 1) }
}
