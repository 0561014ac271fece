import InfermonCore

extension Configuration {
    /// One entry of `slos:`.
    ///
    /// ```yaml
    /// slos:
    ///   - name: chat-latency
    ///     sli: latency            # latency | ttft | availability
    ///     threshold: 2s           # latency and ttft only; inclusive
    ///     objective: 99%          # or 0.99
    ///     period: 30d             # rolling, whole days from 7d to 90d (28d or 30d usual)
    ///     route: /v1/chat/completions   # optional selector: model, model_version, route, tenant
    /// ```
    public struct SLOSection: Sendable, Equatable {
        public enum Indicator: String, Sendable, CaseIterable {
            case latency
            case ttft
            case availability
        }

        public var name: String
        public var indicator: Indicator
        /// Seconds; nil for availability.
        public var threshold: Double?
        /// In (0, 1).
        public var objective: Double
        public var period: Int64
        public var selector: [String: String]
        public var description: String?

        public init(
            name: String, indicator: Indicator, threshold: Double? = nil, objective: Double,
            period: Int64 = 30 * 86_400_000, selector: [String: String] = [:], description: String? = nil
        ) {
            self.name = name
            self.indicator = indicator
            self.threshold = threshold
            self.objective = objective
            self.period = period
            self.selector = selector
            self.description = description
        }

        static func parseList(_ value: YAMLValue) throws -> [SLOSection] {
            var names: Set<String> = []
            return try value.sequence().map { item in
                let map = try item.mapping(
                    allowed: Set(selectorKeys).union(["name", "sli", "threshold", "objective", "period", "description"])
                )
                let name = try objectName(map.required("name"), unique: &names, kind: "SLO")
                let sliValue = try map.required("sli")
                let indicator = Indicator(rawValue: try sliValue.oneOf(Indicator.allCases.map(\.rawValue)))!
                var section = SLOSection(
                    name: name, indicator: indicator, objective: try objective(map.required("objective")),
                    selector: try parseSelector(map), description: try map["description"]?.string())
                switch (indicator, map["threshold"]) {
                case (.availability, let threshold?):
                    throw threshold.error("an availability SLO has no threshold")
                case (.availability, nil):
                    break
                case (_, let threshold?):
                    let millis = try threshold.duration()
                    guard millis > 0 else { throw threshold.error("the threshold must be longer than zero") }
                    section.threshold = Double(millis) / 1000
                case (_, nil):
                    throw item.error("a \(indicator.rawValue) SLO needs a threshold, such as 2s or 500ms")
                }
                if let period = map["period"] {
                    let millis = try period.duration()
                    let day: Int64 = 86_400_000
                    guard millis % day == 0, (7 * day...90 * day).contains(millis) else {
                        throw period.error("the period must be whole days from 7d to 90d, usually 28d or 30d")
                    }
                    section.period = millis
                }
                return section
            }
        }

        /// `99%`, `99.9%` or `0.99`: strictly between 0 and 1.
        static func objective(_ value: YAMLValue) throws -> Double {
            let text = try value.string()
            let number: Double?
            if text.hasSuffix("%") {
                number = Double(text.dropLast()).map { $0 / 100 }
            } else {
                number = try? value.double()
            }
            guard let number, number > 0, number < 1 else {
                throw value.error("the objective is a fraction such as 0.99 or a percentage such as 99.9%")
            }
            return number
        }
    }
}
