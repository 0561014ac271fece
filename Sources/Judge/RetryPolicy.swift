public import InfermonCore

/// When and how long to wait before asking the judge endpoint again.
/// Retries happen on 429 and 5xx only: a 4xx says the request itself is wrong,
/// and a timeout is not retried so that one slow endpoint cannot hold a judge
/// slot for several timeouts in a row.
public struct RetryPolicy: Sendable, Equatable {
    public var maxRetries: Int
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// A server asking for a longer pause than this is given up on for this event.
    public var maxRetryAfter: Duration

    public init(maxRetries: Int, initialBackoff: Duration, maxBackoff: Duration, maxRetryAfter: Duration) {
        self.maxRetries = maxRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxRetryAfter = maxRetryAfter
    }

    public static func isRetryable(status: Int) -> Bool { status == 429 || (500...599).contains(status) }

    /// Exponential backoff with "equal jitter": half the capped exponential
    /// delay, plus a random share of the other half, so clients that failed
    /// together do not retry together. `jitter` is in [0, 1); the answer is in milliseconds.
    public func backoff(attempt: Int, jitter: Double) -> Int64 {
        let exponent = min(attempt, 30)
        let base = min(maxBackoff.millis, initialBackoff.millis * (Int64(1) << Int64(exponent)))
        return base / 2 + Int64(Double(base / 2) * min(max(jitter, 0), 1))
    }

    /// The wait before retry number `attempt` (0 for the first retry): the
    /// server's `Retry-After` when it sent one (never less), else the backoff.
    /// Nil when the server asks for longer than `maxRetryAfter`.
    public func delay(attempt: Int, retryAfter: String?, now: Timestamp, jitter: Double) -> Int64? {
        if let retryAfter, let asked = Self.parseRetryAfter(retryAfter, now: now) {
            return asked > maxRetryAfter.millis ? nil : asked
        }
        return backoff(attempt: attempt, jitter: jitter)
    }

    /// `Retry-After` as delay-seconds (`120`) or an HTTP-date
    /// (`Wed, 21 Oct 2015 07:28:00 GMT`), in milliseconds from `now`.
    public static func parseRetryAfter(_ value: String, now: Timestamp) -> Int64? {
        RetryAfter.parse(value, now: now).map { max(0, $0 - now) }
    }
}

/// At most `permits` holders at once; waiters are served in arrival order.
actor AsyncLimiter {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { available = max(1, permits) }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
