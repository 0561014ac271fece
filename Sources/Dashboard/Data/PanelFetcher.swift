import InfermonCore
import Query

/// Runs the queries of a dashboard's panels against a data source, all panels
/// concurrently. Each panel's failures stay in that panel's `PanelData`.
public struct PanelFetcher: Sendable {
    public let source: any DashboardDataSource

    public init(source: any DashboardDataSource) { self.source = source }

    /// Data for every panel of `spec`, in `spec.panels` order.
    public func fetch(_ spec: DashboardSpec, scope: VariableScope, window: TimeWindow) async -> [PanelData] {
        let panels = spec.panels
        return await withTaskGroup(of: (Int, PanelData).self) { group in
            for (index, panel) in panels.enumerated() {
                group.addTask { (index, await fetch(panel, scope: scope, window: window)) }
            }
            var results = Array(repeating: PanelData(), count: panels.count)
            for await (index, data) in group { results[index] = data }
            return results
        }
    }

    public func fetch(_ panel: PanelSpec, scope: VariableScope, window: TimeWindow) async -> PanelData {
        switch panel.kind {
        case .graph, .stat:
            return await fetchRanges(panel, scope: scope, window: window)
        case .gauge, .bar, .table:
            return await fetchInstants(panel, scope: scope, at: window.end)
        case .alerts:
            do {
                var data = PanelData()
                switch try await source.activeAlerts() {
                case .available(let alerts): data.alerts = alerts.sorted(by: ActiveAlert.displayOrder)
                case .notAvailable(let reason): data.notAvailable = reason
                }
                data.end = window.end
                return data
            } catch {
                return PanelData(error: Self.describe(error))
            }
        case .notifications:
            do {
                var data = PanelData()
                switch try await source.recentNotifications(limit: panel.limit) {
                case .available(let records): data.notifications = records
                case .notAvailable(let reason): data.notAvailable = reason
                }
                data.end = window.end
                return data
            } catch {
                return PanelData(error: Self.describe(error))
            }
        }
    }

    private func fetchRanges(_ panel: PanelSpec, scope: VariableScope, window: TimeWindow) async -> PanelData {
        var data = PanelData(series: [], start: window.start, end: window.end)
        // The grid ends at the window's end, not at a multiple of the step as Grafana
        // aligns it: a stat must show the value now, and a gauge written once by a
        // detector would fall out of the lookback of a step aligned minutes earlier.
        let step = window.step
        let end = window.end
        data.step = step
        for (index, query) in panel.queries.enumerated() {
            do {
                let result = try await source.range(
                    scope.substitute(query.expression), start: end - window.range, end: end, step: step)
                guard case .matrix(let series) = result else { continue }
                for item in series {
                    data.series.append(
                        LabeledSeries(
                            legend: formatLegend(query.legend, labels: item.labels), labels: item.labels,
                            query: index, samples: item.samples))
                }
            } catch {
                data.error = data.error ?? Self.describe(error)
            }
        }
        return data
    }

    private func fetchInstants(_ panel: PanelSpec, scope: VariableScope, at time: Timestamp) async -> PanelData {
        var data = PanelData(values: [], at: time)
        for (index, query) in panel.queries.enumerated() {
            do {
                let result = try await source.instant(scope.substitute(query.expression), at: time)
                switch result {
                case .vector(let samples):
                    for sample in samples {
                        data.values.append(
                            LabeledValue(
                                legend: formatLegend(query.legend, labels: sample.labels), labels: sample.labels,
                                query: index, value: sample.value))
                    }
                case .scalar(let sample):
                    data.values.append(
                        LabeledValue(
                            legend: query.legend.isEmpty ? "value" : query.legend, labels: Labels(), query: index,
                            value: sample.value))
                case .string, .matrix:
                    data.error = data.error ?? "query \(index + 1) must return an instant vector or a scalar"
                }
            } catch {
                data.error = data.error ?? Self.describe(error)
            }
        }
        return data
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? InfermonError { return error.description }
        return "\(error)"
    }
}
