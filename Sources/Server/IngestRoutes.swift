import Collectors
public import Hummingbird
public import InfermonCore
import Metrics
import NIOCore

/// `POST /api/v1/events`: JSON lines, a JSON array, or one object, optionally
/// gzip-compressed, in any profile (`?profile=litellm`). The answer comes only
/// after the events are committed; when the queue is full it is 429 with
/// Retry-After and nothing was taken.
public struct IngestRoutes: HTTPRouteModule {
    let intake: PushIntake

    public init(_ intake: PushIntake) { self.intake = intake }

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
            body = try await PushIntake.readBody(request, limit: intake.maxBodyBytes)
        } catch let error as InfermonError {
            return APIResponse.error(
                status: error.isLimitExceeded ? .contentTooLarge : .badRequest, type: "bad_data", message: error.message
            )
        }
        let decoded: PushDecoder.Result
        do {
            decoded = try PushDecoder.decode(
                body: body, profile: profile.makeProfile(), source: source, location: "POST /api/v1/events",
                now: intake.clock.now(), timestamps: intake.timestamps)
        } catch {
            return APIResponse.error(status: .badRequest, type: "bad_data", message: error.reason)
        }
        return try await submit(decoded, source: source, queue: intake.queue)
    }
}

/// Hands a decoded push to the queue and turns the outcome into the HTTP answer.
func submit(_ decoded: PushDecoder.Result, source: String, queue: IngestQueue) async throws -> Response {
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
