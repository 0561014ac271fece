import InfermonCore
import Synchronization

/// A token bucket per integration, on the injected clock. A receiver that
/// answered 429 or 503 with `Retry-After` is also held back here, so every
/// message to it waits, not only the one that was refused.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updatedAt: Timestamp
        var blockedUntil: Timestamp = .min
    }

    private let buckets = Mutex<[String: Bucket]>([:])

    /// When the next send to `integration` may go (`now` if it may go now).
    func nextAllowed(_ integration: String, limit: RateLimit?, now: Timestamp) -> Timestamp {
        buckets.withLock { buckets in
            let bucket = refreshed(buckets[integration], limit: limit, now: now)
            buckets[integration] = bucket
            var earliest = max(now, bucket.blockedUntil)
            if let limit, bucket.tokens < 1 {
                let wait = Int64(((1 - bucket.tokens) / limit.perSecond * 1000).rounded(.up))
                earliest = max(earliest, now + wait)
            }
            return earliest
        }
    }

    /// Takes a token for one send.
    func consume(_ integration: String, limit: RateLimit?, now: Timestamp) {
        guard limit != nil else { return }
        buckets.withLock { buckets in
            var bucket = refreshed(buckets[integration], limit: limit, now: now)
            bucket.tokens -= 1
            buckets[integration] = bucket
        }
    }

    func block(_ integration: String, until time: Timestamp) {
        buckets.withLock { buckets in
            var bucket = buckets[integration] ?? Bucket(tokens: 1, updatedAt: time)
            bucket.blockedUntil = max(bucket.blockedUntil, time)
            buckets[integration] = bucket
        }
    }

    private func refreshed(_ bucket: Bucket?, limit: RateLimit?, now: Timestamp) -> Bucket {
        guard let limit else { return bucket ?? Bucket(tokens: 1, updatedAt: now) }
        guard var bucket else { return Bucket(tokens: Double(limit.burst), updatedAt: now) }
        let elapsed = Double(max(0, now - bucket.updatedAt)) / 1000
        bucket.tokens = min(Double(limit.burst), bucket.tokens + elapsed * limit.perSecond)
        bucket.updatedAt = now
        return bucket
    }
}
