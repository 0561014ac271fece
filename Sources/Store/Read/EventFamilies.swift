public import InfermonCore

/// The Prometheus-style series the store derives from events, and how each one
/// is computed from a rollup row or a raw event row.
package enum EventFamily: CaseIterable {
    case requests
    case latencyBucket, latencySum, latencyCount
    case ttftBucket, ttftSum, ttftCount
    case tokens
    case cost
    // One sample per event, from the raw table, for exact quantile_over_time.
    case rawLatency, rawTTFT, rawInputTokens, rawOutputTokens

    package var metricName: String {
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

    package var isRaw: Bool {
        switch self {
        case .rawLatency, .rawTTFT, .rawInputTokens, .rawOutputTokens: true
        default: false
        }
    }

    /// The extra label each series of the family carries, with its values.
    package var variants: [(label: String, value: String)?] {
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

    /// The `events` column of a raw family.
    package var rawColumn: String {
        switch self {
        case .rawLatency: "latency"
        case .rawTTFT: "ttft"
        case .rawInputTokens: "prompt_tokens"
        case .rawOutputTokens: "completion_tokens"
        default: ""
        }
    }

    package static let byName: [String: [EventFamily]] = Dictionary(grouping: allCases, by: \.metricName)

    /// Every metric name the store derives from events.
    package static let metricNames: [String] = Array(Set(allCases.map(\.metricName))).sorted()
}

/// One event-derived series a query wants: its family, which of the family's
/// variants (`le`, token `type`) and its labels.
package struct WantedEventSeries {
    package var family: EventFamily
    package var variant: Int
    package var labels: Labels

    package init(family: EventFamily, variant: Int, labels: Labels) {
        self.family = family
        self.variant = variant
        self.labels = labels
    }

    /// The event-derived series that match, grouped by event key id; `keys`
    /// holds each key's labels (without a metric name). Both stores read through it.
    package static func matching(_ matchers: [LabelMatcher], keys: [Int64: Labels]) -> [Int64: [WantedEventSeries]] {
        let nameMatchers = matchers.filter { $0.name == Labels.metricName }
        var result: [Int64: [WantedEventSeries]] = [:]
        for (name, families) in EventFamily.byName where nameMatchers.allSatisfy({ $0.matches(name) }) {
            for family in families {
                for (keyID, keyLabels) in keys {
                    let base = keyLabels.setting(Labels.metricName, to: name)
                    for (index, variant) in family.variants.enumerated() {
                        let labels = variant.map { base.setting($0.label, to: $0.value) } ?? base
                        if matchers.matches(labels) {
                            result[keyID, default: []].append(
                                WantedEventSeries(family: family, variant: index, labels: labels))
                        }
                    }
                }
            }
        }
        return result
    }
}
