public import Collectors
import CompressNIO
public import Hummingbird
public import InfermonCore
import NIOCore

/// What the push endpoints (`/api/v1/events`, `/v1/traces`) share: the queue
/// their events go to, the body limit, and the clock and policy that judge
/// timestamps. One value, so the two endpoints cannot drift apart.
public struct PushIntake: Sendable {
    let queue: IngestQueue
    let clock: any WallClock
    let maxBodyBytes: Int
    let timestamps: TimestampPolicy

    public init(
        queue: IngestQueue, clock: any WallClock = SystemWallClock(), maxBodyBytes: Int,
        timestamps: TimestampPolicy = TimestampPolicy()
    ) {
        self.queue = queue
        self.clock = clock
        self.maxBodyBytes = maxBodyBytes
        self.timestamps = timestamps
    }

    /// The body, decompressed when `Content-Encoding: gzip`, refusing more than `limit` bytes either way.
    static func readBody(_ request: Request, limit: Int) async throws -> [UInt8] {
        var buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw InfermonError.limitExceeded("request body over \(limit) bytes")
        }
        guard let encoding = request.headers[.contentEncoding]?.lowercased(), encoding != "identity" else {
            return Array(buffer.readableBytesView)
        }
        guard encoding == "gzip" else { throw InfermonError.invalidInput("unsupported Content-Encoding \(encoding)") }
        let compressed = Array(buffer.readableBytesView)
        let inflated: [UInt8]
        do {
            inflated = Array(try buffer.decompress(with: .gzip(), maxSize: limit).readableBytesView)
        } catch {
            throw InfermonError.invalidInput("body is not valid gzip or inflates past \(limit) bytes: \(error)")
        }
        // zlib hands back what it could inflate from a cut stream without complaint; the
        // gzip trailer's length (ISIZE) tells a complete body from a truncated one.
        guard compressed.count >= 18 else { throw InfermonError.invalidInput("gzip body is truncated") }
        let trailer = compressed.suffix(4)
        let declared = trailer.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard declared == UInt32(truncatingIfNeeded: inflated.count) else {
            throw InfermonError.invalidInput("gzip body is truncated or corrupt (trailer length does not match)")
        }
        return inflated
    }
}
