#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Wall-clock time, injectable so that timing logic (rule `for` durations,
/// group_wait, retries, rollup boundaries) is tested without sleeping.
public protocol WallClock: Sendable {
    /// Milliseconds since the Unix epoch.
    func now() -> Timestamp
    /// Suspends until `deadline` (epoch milliseconds) or cancellation.
    func sleep(until deadline: Timestamp) async throws
}

extension WallClock {
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now() + duration.millis)
    }
}

/// The real clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    public func sleep(until deadline: Timestamp) async throws {
        let delay = deadline - now()
        if delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
    }
}

/// Monotonic nanoseconds, for measuring durations that wall-clock steps must not distort.
public func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}
