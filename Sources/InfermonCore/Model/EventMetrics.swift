/// Names and bucket bounds of the series derived from inference events. Shared
/// by the store (which computes them), the query layer and `/metrics`, so that a
/// rule written against one reads the same against the other.
public enum EventMetrics {
    public static let requestsTotal = "infermon_requests_total"
    public static let requestDuration = "infermon_request_duration_seconds"
    public static let timeToFirstToken = "infermon_time_to_first_token_seconds"
    public static let timePerOutputToken = "infermon_time_per_output_token_seconds"
    public static let tokensTotal = "infermon_tokens_total"
    public static let costTotal = "infermon_cost_usd_total"

    /// `gen_ai.client.operation.duration` bucket bounds from the OpenTelemetry GenAI conventions.
    public static let durationBuckets: [Double] = [
        0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
    ]

    /// `gen_ai.server.time_to_first_token` bucket bounds from the same conventions.
    public static let timeToFirstTokenBuckets: [Double] = [
        0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    ]

    /// The `type` label values of `infermon_tokens_total`.
    public enum TokenType: String, CaseIterable, Sendable {
        case input, output, cached, reasoning
    }
}
