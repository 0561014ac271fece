import Collectors
public import Hummingbird
import InfermonCore
import Metrics
import NIOCore

/// `POST /v1/traces`: OTLP/HTTP in protobuf (what the SDKs and the Collector
/// send by default) or JSON, optionally gzip. GenAI spans become events through
/// the same queue as `/api/v1/events`, so the same backpressure and
/// exactly-once rules apply; spans retried by an exporter are not stored twice.
public struct OTLPRoutes: HTTPRouteModule {
    let intake: PushIntake

    public init(_ intake: PushIntake) { self.intake = intake }

    public func register(on router: Router<BasicRequestContext>) {
        router.post("/v1/traces") { request, _ in try await handle(request) }
    }

    func handle(_ request: Request) async throws -> Response {
        let contentType = request.headers[.contentType] ?? ""
        let encoding = (try? OTLPEncoding(contentType: contentType)) ?? .json
        let body: [UInt8]
        do {
            body = try await PushIntake.readBody(request, limit: intake.maxBodyBytes)
        } catch let error as InfermonError {
            return Self.status(
                error.isLimitExceeded ? .contentTooLarge : .badRequest, OTLPTraceResponse.Code.invalidArgument,
                error.message,
                encoding)
        }
        let decoded: OTLPDecodedTraces
        let now = intake.clock.now()
        switch Result(catching: { () throws(OTLPDecodingError) in
            try OTLPTraceDecoder.decode(body: body, contentType: contentType, timestamps: intake.timestamps, now: now)
        }) {
        case .success(let value): decoded = value
        case .failure(let error):
            return Self.status(
                error.kind == .unsupportedContentType ? .unsupportedMediaType : .badRequest,
                OTLPTraceResponse.Code.invalidArgument,
                error.message, encoding)
        }
        var batch = IngestBatch(events: decoded.events)
        batch.deduplicateByRequestID = true
        batch.source = "otlp"
        batch.deadLetters = decoded.rejected.map {
            DeadLetter(
                source: "otlp", kind: .schema, location: "POST /v1/traces", line: Int64($0.index + 1),
                reason: $0.reason, excerpt: [UInt8](),
                receivedAt: now)
        }
        batch.deadLetters += decoded.outOfRange.map {
            DeadLetter(
                source: "otlp", kind: .timestampOutOfRange, location: "POST /v1/traces", line: Int64($0.index + 1),
                reason: $0.reason, excerpt: [UInt8](), receivedAt: now)
        }
        Counter(label: "infermon_push_rejected_events_total", dimensions: [("source", "otlp")]).increment(
            by: decoded.rejected.count + decoded.outOfRange.count)
        Counter(label: "infermon_otlp_ignored_spans_total").increment(by: decoded.ignoredSpans)
        let outcome: SubmitOutcome
        do {
            outcome = try await intake.queue.submit(batch)
        } catch let error as InfermonError {
            var response = Self.status(.serviceUnavailable, OTLPTraceResponse.Code.unavailable, error.message, encoding)
            response.headers[.retryAfter] = "1"
            return response
        }
        switch outcome {
        case .busy(let seconds):
            Counter(label: "infermon_push_throttled_requests_total", dimensions: [("source", "otlp")]).increment()
            var response = Self.status(
                .tooManyRequests, OTLPTraceResponse.Code.resourceExhausted, "ingest queue is full", encoding)
            response.headers[.retryAfter] = String(seconds)
            return response
        case .stored:
            Counter(label: "infermon_push_accepted_events_total", dimensions: [("source", "otlp")]).increment(
                by: decoded.events.count)
            return Response(
                status: .ok, headers: [.contentType: decoded.encoding.contentType],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: OTLPTraceResponse.success(for: decoded))))
        }
    }

    /// A `google.rpc.Status` answer in the request's encoding, as OTLP/HTTP specifies for failures.
    static func status(_ code: HTTPResponse.Status, _ grpcCode: Int32, _ message: String, _ encoding: OTLPEncoding)
        -> Response
    {
        Response(
            status: code, headers: [.contentType: encoding.contentType],
            body: ResponseBody(
                byteBuffer: ByteBuffer(
                    bytes: OTLPTraceResponse.status(code: grpcCode, message: message, encoding: encoding))))
    }
}
