import InfermonCore

/// How long and how often the outbox tries a message.
public struct OutboxOptions: Sendable, Equatable {
    /// A message not delivered within this time is dead-lettered.
    public var ttl: Duration
    /// The first retry waits about this long; each later one twice the previous.
    public var initialBackoff: Duration
    public var maxBackoff: Duration
    /// Fraction of each delay that is randomized (0 to 1), so many retries do
    /// not hit a recovering receiver in the same instant.
    public var jitter: Double

    public init(
        ttl: Duration = .seconds(86_400), initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(300),
        jitter: Double = 0.2
    ) {
        self.ttl = ttl
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.jitter = min(1, max(0, jitter))
    }

    /// The delay before retry number `attempt` (1 for the first retry): the
    /// exponential value, minus a random share of up to `jitter` of it, in milliseconds.
    public func backoff(attempt: Int, random: Double) -> Int64 {
        let exponent = Double(min(max(attempt - 1, 0), 40))
        let full = min(Double(maxBackoff.millis), Double(initialBackoff.millis) * pow2(exponent))
        return Int64((full * (1 - jitter * min(1, max(0, random)))).rounded())
    }

    private func pow2(_ exponent: Double) -> Double {
        var value = 1.0
        for _ in 0..<Int(exponent) { value *= 2 }
        return value
    }
}
