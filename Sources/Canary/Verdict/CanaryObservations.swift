public import InfermonCore

extension CanaryDefinition {
    /// The store query for the rollout's events up to `now`.
    public func windowQuery(now: Timestamp) -> EventWindowQuery {
        EventWindowQuery(
            from: now - window.millis + 1, through: now, model: model, requestIDs: pairing,
            hallucination: metrics.contains(.hallucination))
    }

    /// The two arms' requests in time order (events matching neither arm, or both, are left out).
    public func observations(_ windows: [EventColumns]) -> [CanaryObservation] {
        var observations: [CanaryObservation] = []
        for columns in windows {
            func label(_ name: String, _ index: Int) -> String? {
                if name == "model" { return columns.model }
                let column = columns.categorical[name]
                guard let column, column.codes[index] >= 0 else { return nil }
                return column.categories[Int(column.codes[index])]
            }
            func matches(_ matchers: [String: String], _ index: Int) -> Bool {
                matchers.allSatisfy { label($0.key, index) == $0.value }
            }
            func number(_ name: String, _ index: Int) -> Double { columns.numeric[name]?[index] ?? .nan }
            for index in 0..<columns.count where matches(common, index) {
                let isBaseline = matches(baseline.matchers, index)
                let isCandidate = matches(candidate.matchers, index)
                guard isBaseline != isCandidate else { continue }
                let status = label(EventColumnName.status, index)
                var prediction: String?
                if let value = columns.numeric[EventColumnName.prediction]?[index], value.isFinite {
                    prediction = String(value)
                } else {
                    prediction = label(EventColumnName.prediction, index)
                }
                observations.append(
                    CanaryObservation(
                        timestamp: columns.timestamps[index], candidate: isCandidate,
                        failed: status == "error" || status == "timeout",
                        latency: number(EventColumnName.latency, index),
                        ttft: number(EventColumnName.timeToFirstToken, index),
                        cost: number(EventColumnName.cost, index), feedback: number(EventColumnName.feedback, index),
                        promptTokens: number(EventColumnName.promptTokens, index),
                        completionTokens: number(EventColumnName.completionTokens, index),
                        tenant: label(EventColumnName.tenant, index) ?? "",
                        requestID: columns.requestIDs?[index] ?? "", prediction: prediction,
                        hallucinated: number(EventColumnName.hallucinated, index)))
            }
        }
        // Stable: equal timestamps keep the store's order.
        return observations.enumerated().sorted {
            $0.element.timestamp != $1.element.timestamp
                ? $0.element.timestamp < $1.element.timestamp : $0.offset < $1.offset
        }.map(\.element)
    }

    /// Reads the window ending at `now` and evaluates it.
    public func evaluate(reader: any EventWindowReader, now: Timestamp, byTenant: Bool = false) throws -> CanaryReport {
        let windows = try reader.eventColumns(windowQuery(now: now))
        return CanaryEvaluator.evaluate(observations(windows), definition: self, byTenant: byTenant)
    }
}
