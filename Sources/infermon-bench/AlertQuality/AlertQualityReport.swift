import InfermonCore

/// Matches what fired against what was planted: each incident's first
/// notification (its detection delay), and every notification no incident
/// explains (a false alarm).
struct AlertQualityReport {
    struct Detection {
        var incident: AlertQualityScenario.Incident
        var delay: Int64?
        var by: String?
    }

    let scenario: AlertQualityScenario
    let detections: [Detection]
    let falseAlarms: [AlertQualityScenario.Firing]
    /// How long after an incident ends a notification still counts as its own.
    static let afterglow = AlertQualityScenario.hour

    /// Which incident kinds an alert can report.
    static func kinds(of firing: AlertQualityScenario.Firing) -> Set<AlertQualityScenario.Kind> {
        switch firing.name {
        case "InfermonLatencyHigh", "InfermonLatencyP99High", "InfermonTimeToFirstTokenP99High": [.latency]
        case "InfermonErrorRatioHigh": [.errors]
        case "InfermonCostSpike": [.cost]
        case "InfermonModelTrafficStopped": [.outage]
        case "InfermonSLOErrorBudgetBurn":
            firing.labels["slo"] == "availability" ? [.errors, .outage] : [.latency]
        default: []
        }
    }

    /// The model an alert is about; nil when it is about all of them.
    static func model(of firing: AlertQualityScenario.Firing) -> String? {
        if let model = firing.labels["model"] { return model }
        switch firing.labels["slo"] {
        case "gpt-4o-ttft": return "gpt-4o"
        case "mini-latency": return "gpt-4o-mini"
        default: return nil
        }
    }

    static func explains(_ firing: AlertQualityScenario.Firing, _ incident: AlertQualityScenario.Incident) -> Bool {
        guard kinds(of: firing).contains(incident.kind) else { return false }
        if let model = model(of: firing), model != incident.model { return false }
        return firing.at >= incident.start && firing.at <= incident.end + afterglow
    }

    init(scenario: AlertQualityScenario, firings: [AlertQualityScenario.Firing]) {
        self.scenario = scenario
        let incidents = scenario.incidents
        detections = incidents.map { incident in
            let first = firings.filter { Self.explains($0, incident) }.min { $0.at < $1.at }
            return Detection(incident: incident, delay: first.map { $0.at - incident.start }, by: first?.name)
        }
        falseAlarms = firings.filter { firing in !incidents.contains { Self.explains(firing, $0) } }
    }

    /// The figures, as the README quotes them.
    var text: String {
        var lines = [
            "alert quality: \(scenario.days.count) days, base rate \(scenario.baseRate)/s, seed \(scenario.seed)"
        ]
        for kind in AlertQualityScenario.Kind.allCases {
            let mine = detections.filter { $0.incident.kind == kind }
            guard !mine.isEmpty else { continue }
            let delays = mine.compactMap(\.delay).map { $0 / AlertQualityScenario.minute }
            let by = Set(mine.compactMap(\.by)).sorted().joined(separator: ", ")
            lines.append(
                "  \(kind.rawValue): \(delays.count)/\(mine.count) notified, delay \(delays.min() ?? -1)–\(delays.max() ?? -1) min (\(by))"
            )
        }
        for day in scenario.days.indices {
            let dayStart = scenario.start + Int64(day) * AlertQualityScenario.day
            let count = falseAlarms.filter { $0.at >= dayStart && $0.at < dayStart + AlertQualityScenario.day }.count
            lines.append("  day \(day + 1) (\(scenario.incidents(onDay: day).count) incidents): \(count) false alarms")
        }
        for alarm in falseAlarms {
            lines.append(
                "    false alarm: \(alarm.labels) at +\((alarm.at - scenario.start) / AlertQualityScenario.minute) min")
        }
        return lines.joined(separator: "\n")
    }
}
