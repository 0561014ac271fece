public import Collectors
import CompressNIO
public import Hummingbird
public import InfermonCore
public import Logging
import Metrics
import NIOCore

/// `POST /api/v1/events`: JSON lines, a JSON array, or one object, optionally
/// gzip-compressed, in any profile (`?profile=litellm`). The answer comes only
/// after the events are committed; when the queue is full it is 429 with
/// Retry-After and nothing was taken.
public struct IngestRoutes: HTTPRouteModule {
    let queue: IngestQueue
    let clock: any WallClock
    let maxBodyBytes: Int
    let timestamps: TimestampPolicy
    let logger: Logger

    public init(
        queue: IngestQueue, clock: any WallClock = SystemWallClock(), maxBodyBytes: Int,
        timestamps: TimestampPolicy = TimestampPolicy(), logger: Logger
    ) {
        self.queue = queue
        self.timestamps = timestamps
        self.clock = clock
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.post("/api/v1/events") { request, _ in try await handle(request) }
    }

    func handle(_ request: Request) async throws -> Response {
        let parameters = FormParameters(query: request.uri.query)
        let profileName = parameters["profile"] ?? "native"
        guard let profile = ProfileKind(rawValue: profileName) else {
            return APIResponse.error(
                status: .badRequest, type: "bad_data",
                message: "unknown profile \"\(profileName)\"; use one of \(ProfileKind.names)")
        }
        let source = parameters["source"] ?? "http"
        let body: [UInt8]
        do {
            body = try await Self.readBody(request, limit: maxBodyBytes)
        } catch let error as InfermonError {
            return APIResponse.error(
                status: error.isLimitExceeded ? .contentTooLarge : .badRequest, type: "bad_data", message: error.message
            )
        }
        let decoded: PushDecoder.Result
        do {
            decoded = try PushDecoder.decode(
                body: body, profile: profile.makeProfile(), source: source, location: "POST /api/v1/events",
                now: clock.now(), timestamps: timestamps)
        } catch {
            return APIResponse.error(status: .badRequest, type: "bad_data", message: error.reason)
        }
        return try await submit(decoded, source: source, queue: queue, logger: logger)
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

/// Hands a decoded push to the queue and turns the outcome into the HTTP answer.
func submit(_ decoded: PushDecoder.Result, source: String, queue: IngestQueue, logger: Logger) async throws -> Response
{
    let accepted = decoded.batch.events.count
    let rejected = decoded.rejected.count
    Counter(label: "infermon_push_rejected_events_total", dimensions: [("source", source)]).increment(by: rejected)
    let outcome: SubmitOutcome
    do {
        outcome = try await queue.submit(decoded.batch)
    } catch let error as InfermonError {
        var response = APIResponse.error(status: .serviceUnavailable, type: "unavailable", message: error.message)
        response.headers[.retryAfter] = "1"
        return response
    }
    switch outcome {
    case .busy(let seconds):
        Counter(label: "infermon_push_throttled_requests_total", dimensions: [("source", source)]).increment()
        var response = APIResponse.error(
            status: .tooManyRequests, type: "unavailable", message: "ingest queue is full; retry after \(seconds)s")
        response.headers[.retryAfter] = String(seconds)
        return response
    case .stored:
        Counter(label: "infermon_push_accepted_events_total", dimensions: [("source", source)]).increment(by: accepted)
        // Written out rather than encoded: the README documents this answer key by
        // key in this order, and JSONEncoder keeps no order short of sorting.
        var body = #"{"status":"success","accepted":\#(accepted),"rejected":\#(rejected),"errors":["#
        for (position, item) in decoded.rejected.prefix(20).enumerated() {
            if position > 0 { body += "," }
            body += #"{"index":\#(item.index),"reason":"#
            writeJSONString(item.reason, to: &body)
            body += "}"
        }
        body += "]}"
        let status: HTTPResponse.Status = accepted == 0 && rejected > 0 ? .badRequest : .ok
        return APIResponse.json(body, status: status)
    }
}
