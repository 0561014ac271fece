import InfermonCore

/// The Prometheus-style series the store derives from events, and how each one
/// is computed from a rollup row or a raw event row.
enum EventFamily: CaseIterable {
    case requests
    case latencyBucket, latencySum, latencyCount
    case ttftBucket, ttftSum, ttftCount
    case tokens
    case cost
    // One sample per event, from the raw table, for exact quantile_over_time.
    case rawLatency, rawTTFT, rawInputTokens, rawOutputTokens

    var metricName: String {
        switch self {
        case .requests: EventMetrics.requestsTotal
        case .latencyBucket: EventMetrics.requestDuration + "_bucket"
        case .latencySum: EventMetrics.requestDuration + "_sum"
        case .latencyCount: EventMetrics.requestDuration + "_count"
        case .ttftBucket: EventMetrics.timeToFirstToken + "_bucket"
        case .ttftSum: EventMetrics.timeToFirstToken + "_sum"
        case .ttftCount: EventMetrics.timeToFirstToken + "_count"
        case .tokens: EventMetrics.tokensTotal
        case .cost: EventMetrics.costTotal
        case .rawLatency: EventMetrics.requestDuration
        case .rawTTFT: EventMetrics.timeToFirstToken
        case .rawInputTokens: EventMetrics.requestInputTokens
        case .rawOutputTokens: EventMetrics.requestOutputTokens
        }
    }

    var isRaw: Bool {
        switch self {
        case .rawLatency, .rawTTFT, .rawInputTokens, .rawOutputTokens: true
        default: false
        }
    }

    /// The extra label each series of the family carries, with its values.
    var variants: [(label: String, value: String)?] {
        switch self {
        case .latencyBucket: Self.bucketVariants(EventMetrics.durationBuckets)
        case .ttftBucket: Self.bucketVariants(EventMetrics.timeToFirstTokenBuckets)
        case .tokens: EventMetrics.TokenType.allCases.map { ("type", $0.rawValue) }
        default: [nil]
        }
    }

    private static func bucketVariants(_ bounds: [Double]) -> [(label: String, value: String)?] {
        bounds.map { ("le", formatJSONNumber($0)) } + [("le", "+Inf")]
    }

    /// The counter value of variant `index` from cumulative totals.
    func value(_ totals: CumulativeTotals, variant index: Int) -> Double {
        switch self {
        case .requests: return Double(totals.requests)
        case .latencyBucket: return Self.cumulativeBin(totals.latencyBins, upTo: index, total: totals.latencyCount)
        case .latencySum: return totals.latencySum
        case .latencyCount: return Double(totals.latencyCount)
        case .ttftBucket: return Self.cumulativeBin(totals.ttftBins, upTo: index, total: totals.ttftCount)
        case .ttftSum: return totals.ttftSum
        case .ttftCount: return Double(totals.ttftCount)
        case .tokens:
            switch EventMetrics.TokenType.allCases[index] {
            case .input: return Double(totals.inputTokens)
            case .output: return Double(totals.outputTokens)
            case .cached: return Double(totals.cachedTokens)
            case .reasoning: return Double(totals.reasoningTokens)
            }
        case .cost: return totals.cost
        case .rawLatency, .rawTTFT, .rawInputTokens, .rawOutputTokens: return .nan
        }
    }

    /// Observations at or below bound `index`; the last index is `+Inf`, the total.
    private static func cumulativeBin(_ bins: [UInt64], upTo index: Int, total: Int64) -> Double {
        if index >= bins.count - 1 { return Double(total) }
        var sum: UInt64 = 0
        for position in 0...index { sum += bins[position] }
        return Double(sum)
    }

    /// The `events` column of a raw family.
    var rawColumn: String {
        switch self {
        case .rawLatency: "latency"
        case .rawTTFT: "ttft"
        case .rawInputTokens: "prompt_tokens"
        case .rawOutputTokens: "completion_tokens"
        default: ""
        }
    }

    static let byName: [String: [EventFamily]] = Dictionary(grouping: allCases, by: \.metricName)

    /// Every metric name the store derives from events.
    static let metricNames: [String] = Array(Set(allCases.map(\.metricName))).sorted()
}
