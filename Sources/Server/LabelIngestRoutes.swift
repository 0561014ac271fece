import Collectors
public import Hummingbird
public import InfermonCore
public import Logging

/// `POST /api/v1/labels` with a JSON or NDJSON body: truth labels (gold
/// verdicts, delayed ground truth), stored and joined to events by request id.
///
/// Why the same path as Prometheus's label-names endpoint: it is where issue 18
/// and 22 put it, and the two never collide: Prometheus clients (Grafana,
/// promtool) send `match[]` form-encoded, labels come as JSON. The Prometheus
/// routes hand a JSON body here; everything else stays a label-names query.
public struct LabelIngest: Sendable {
    let store: any TruthLabelStore
    let clock: any WallClock
    let maxBodyBytes: Int
    /// The name a label gets when its record gives none, or why it must give one.
    let naming: TruthLabelNaming
    let logger: Logger

    public init(
        store: any TruthLabelStore, clock: any WallClock = SystemWallClock(), maxBodyBytes: Int,
        naming: TruthLabelNaming, logger: Logger
    ) {
        self.store = store
        self.clock = clock
        self.maxBodyBytes = maxBodyBytes
        self.naming = naming
        self.logger = logger
    }

    /// True for the content types that carry labels rather than a form.
    public static func isLabelBody(_ request: Request) -> Bool {
        guard request.method == .post, let type = request.headers[.contentType]?.lowercased() else { return false }
        return type.hasPrefix("application/json") || type.hasPrefix("application/x-ndjson")
            || type.hasPrefix("application/jsonl") || type.hasPrefix("application/ndjson")
    }

    func handle(_ request: Request) async throws -> Response {
        let body: [UInt8]
        do {
            body = try await PushIntake.readBody(request, limit: maxBodyBytes)
        } catch let error as InfermonError {
            return APIResponse.error(
                status: error.isLimitExceeded ? .contentTooLarge : .badRequest, type: "bad_data", message: error.message
            )
        }
        let labels: [TruthLabel]
        do {
            labels = try TruthLabelDecoder.decode(body, naming: naming, receivedAt: clock.now())
        } catch {
            return APIResponse.error(status: .badRequest, type: "bad_data", message: "\(error)")
        }
        do {
            let stored = try await store.recordLabels(labels)
            return APIResponse.json(#"{"status":"success","data":{"stored":\#(stored)}}"#)
        } catch {
            logger.error("labels not stored", metadata: ["error": "\(error)"])
            return APIResponse.error(
                status: .serviceUnavailable, type: "unavailable", message: "labels not stored: \(error)")
        }
    }
}
