import InfermonCore

/// Plausible data for every panel of a dashboard without a store: a few
/// smooth series per graph, values for stats and tables, a handful of alerts.
/// The redraw benchmark uses it so it measures drawing and diffing only, not
/// queries; `shift` moves the series along as a live refresh would.
public enum SyntheticPanelData {
    public static func make(for spec: DashboardSpec, window: TimeWindow, shift: Int = 0) -> [PanelData] {
        let step = window.step
        let points = Int(window.range / step) + 1
        let end = window.end / step * step
        let models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "llama-3-70b"]
        return spec.panels.enumerated().map { index, panel -> PanelData in
            switch panel.kind {
            case .graph, .stat:
                let count = panel.kind == .stat ? 1 : (panel.queries.count > 1 ? panel.queries.count : models.count)
                let series = (0..<count).map { number -> LabeledSeries in
                    let scale = 1.0 + Double(number) * 0.7 + Double(index % 3)
                    let samples = (0..<points).map { point -> Sample in
                        let phase = Double(point + shift) / 17.0 + Double(number)
                        let value = scale * (1.2 + sin(phase) * 0.6 + sin(phase * 3.1) * 0.15)
                        return Sample(end - Int64(points - 1 - point) * step, value)
                    }
                    let name = panel.queries.count > 1 ? "query \(number + 1)" : models[number % models.count]
                    return LabeledSeries(
                        legend: name, labels: Labels(["model": name]), query: 0, samples: samples)
                }
                return PanelData(series: series, start: end - window.range, end: end)
            case .gauge, .bar, .table:
                let values = models.enumerated().map { number, model in
                    LabeledValue(
                        legend: model, labels: Labels(["model": model, "tenant": "tenant-\(number)"]), query: 0,
                        value: Double(number + 1) * 0.21 + Double(shift % 5) * 0.01)
                }
                return PanelData(values: values, at: end)
            case .alerts:
                var data = PanelData()
                data.alerts = (0..<5).map { number in
                    ActiveAlert(
                        labels: Labels([
                            "alertname": [
                                "HighErrorRatio", "LatencyP99High", "CostSpike", "DriftDetected", "TTFTSlow",
                            ][
                                number],
                            "severity": number < 2 ? "critical" : "warning", "model": models[number % models.count],
                        ]),
                        annotations: ["summary": "synthetic alert \(number + 1) for the benchmark"],
                        activeAt: end - Int64(number + 1) * 600_000)
                }
                data.end = end
                return data
            case .notifications:
                var data = PanelData()
                data.notifications = (0..<5).map { number in
                    NotificationRecord(
                        sentAt: end - Int64(number) * 300_000, receiver: "slack/slack[0]",
                        alertNames: ["HighErrorRatio"], firing: number % 2, resolved: 1 - number % 2)
                }
                data.end = end
                return data
            }
        }
    }

    /// sin without Foundation: the standard library has none.
    static func sin(_ x: Double) -> Double {
        // Reduce to [-π, π], then a 7th-order Taylor series: plenty for drawing.
        let twoPi = 2 * Double.pi
        var y = x - (x / twoPi).rounded() * twoPi
        if y > Double.pi / 2 { y = Double.pi - y } else if y < -Double.pi / 2 { y = -Double.pi - y }
        let y2 = y * y
        return y * (1 - y2 / 6 * (1 - y2 / 20 * (1 - y2 / 42)))
    }
}
