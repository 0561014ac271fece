import InfermonCore
public import InfermonYAML

/// `slos:`: service level objectives over the ingested requests.
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
extension ServiceLevelObjective {
    /// The names `sli:` takes.
    static let indicatorNames = ["latency", "ttft", "availability"]

    public static func list(yaml value: YAMLValue) throws -> [ServiceLevelObjective] {
        var names: Set<String> = []
        return try value.sequence().map { item in
            let map = try item.mapping(
                allowed: Set(selectorKeys).union(["name", "sli", "threshold", "objective", "period", "description"]))
            let name = try objectName(map.required("name"), unique: &names, kind: "SLO")
            let sli = try map.required("sli").oneOf(indicatorNames)
            let objective = try objective(map.required("objective"))
            let selector = try selectorMatchers(map)
            let description = try map["description"]?.string()
            let indicator: Indicator
            switch (sli, map["threshold"]) {
            case ("availability", let threshold?):
                throw threshold.error("an availability SLO has no threshold")
            case ("availability", nil):
                indicator = .availability
            case (_, let threshold?):
                let millis = try threshold.duration().millis
                guard millis > 0 else { throw threshold.error("the threshold must be longer than zero") }
                let seconds = Double(millis) / 1000
                indicator = sli == "ttft" ? .timeToFirstToken(threshold: seconds) : .latency(threshold: seconds)
            case (_, nil):
                throw item.error("a \(sli) SLO needs a threshold, such as 2s or 500ms")
            }
            var slo = ServiceLevelObjective(
                name: name, indicator: indicator, objective: objective, selector: selector, description: description)
            if let period = map["period"] {
                let millis = try period.duration().millis
                let day: Int64 = 86_400_000
                guard millis % day == 0, (7 * day...90 * day).contains(millis) else {
                    throw period.error("the period must be whole days from 7d to 90d, usually 28d or 30d")
                }
                slo.period = .milliseconds(millis)
            }
            return slo
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
