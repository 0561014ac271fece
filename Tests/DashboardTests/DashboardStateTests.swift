import Dashboard
import InfermonCore
import InfermonTesting
import Query
import Testing

@Suite("Dashboard state, view and data")
struct DashboardStateTests {
    let now: Timestamp = 1_800_000_000_000

    func shipped() throws -> [DashboardSpec] {
        try ["overview", "cost", "quality"].map {
            try DashboardLibrary.load("\(repositoryRoot())/dashboards/\($0).yaml")
        }
    }

    @Test func keysSwitchDashboardsRangeHelpZoomAndQuit() throws {
        var state = DashboardState(
            dashboards: try shipped(), range: 3_600_000, refreshInterval: .seconds(5), sourceLabel: "t")
        #expect(state.handle(.tab, layout: nil) == .refresh)
        #expect(state.dashboard.name == "cost")
        #expect(state.handle(.backTab, layout: nil) == .refresh)
        #expect(state.handle(.backTab, layout: nil) == .refresh)
        #expect(state.dashboard.name == "quality")
        #expect(state.handle(.character("+"), layout: nil) == .refresh)
        #expect(state.range == 10_800_000)
        #expect(state.handle(.character("-"), layout: nil) == .refresh)
        #expect(state.handle(.character("-"), layout: nil) == .refresh)
        #expect(state.range == 1_800_000)
        #expect(state.handle(.character("p"), layout: nil) == .redraw)
        #expect(state.paused)
        #expect(state.handle(.character("?"), layout: nil) == .redraw)
        #expect(state.showsHelp)
        #expect(state.handle(.character("x"), layout: nil) == .redraw)
        #expect(!state.showsHelp)
        #expect(state.handle(.enter, layout: nil) == .redraw)
        #expect(state.zoomed)
        #expect(state.handle(.escape, layout: nil) == .redraw)
        #expect(!state.zoomed)
        #expect(state.handle(.escape, layout: nil) == .quit)
        #expect(state.handle(.character("q"), layout: nil) == .quit)
    }

    @Test func reloadedDashboardsKeepTheOneShownAndItsDataOnlyWhenUnchanged() throws {
        let specs = try shipped()
        var state = DashboardState(
            dashboards: specs, current: 1, range: 3_600_000, refreshInterval: .seconds(5), sourceLabel: "t")
        state.panelData = [PanelData(error: "kept")]
        // Same files again: still on cost, data kept.
        state.replaceDashboards(specs)
        #expect(state.dashboard.name == "cost" && state.panelData?.count == 1)
        // Overview removed, cost edited: still on cost (by name), its old data dropped.
        var cost = specs[1]
        cost.title = "Spend"
        state.replaceDashboards([cost, specs[2]])
        #expect(state.current == 0 && state.dashboard.title == "Spend" && state.panelData == nil)
        // The shown one gone: the nearest index.
        state.current = 1
        state.replaceDashboards([specs[0]])
        #expect(state.dashboard.name == "overview")
        // Nothing read: nothing changes.
        state.replaceDashboards([])
        #expect(state.dashboards.count == 1)
    }

    @Test func arrowsMoveBetweenPanelsOfTheGrid() throws {
        let overview = try shipped()[0]
        var state = DashboardState(
            dashboards: [overview], range: 3_600_000, refreshInterval: .seconds(5), sourceLabel: "t")
        let layout = GridLayout(overview, in: Rect(x: 0, y: 1, width: 80, height: 22))
        #expect(state.handle(.right, layout: layout) == .redraw)
        #expect(state.selected == 1)
        #expect(state.handle(.down, layout: layout) == .redraw)
        // From the second stat down to the nearer of the two graphs below: the first.
        #expect(state.selected == 5)
        #expect(state.handle(.down, layout: layout) == .redraw)
        #expect(state.selected == 7)
        #expect(state.handle(.up, layout: layout) == .redraw)
        #expect(state.handle(.up, layout: layout) == .redraw)
        #expect(state.selected < 5)
    }

    @Test func fullScreenAt80x24ShowsHeaderPanelsAndStatus() throws {
        var state = DashboardState(
            dashboards: try shipped(), range: 3_600_000, refreshInterval: .seconds(5),
            sourceLabel: "http://127.0.0.1:9464")
        state.panelData = SyntheticPanelData.make(for: state.dashboard, window: TimeWindow(end: now, range: 3_600_000))
        state.lastRefresh = now - 3000
        var screen = ScreenBuffer(width: 80, height: 24)
        DashboardView.render(state, into: &screen, context: RenderContext(glyphs: .utf8, now: now))
        #expect(screen.line(0).hasPrefix(" infermon  Overview  cost  quality "))
        #expect(screen.line(0).contains("range 1h"))
        #expect(screen.line(23).contains("http://127.0.0.1:9464"))
        #expect(screen.line(23).contains("refreshed 3s ago"))
        #expect(screen.line(23).hasSuffix("? help "))
        for title in ["Requests/s", "Error ratio", "p99 latency", "Requests/s by model", "Firing alerts"] {
            #expect(screen.text.contains(title), "missing \(title)")
        }
        // The first panel is selected: heavy corner.
        #expect(screen[0, 1].scalar == "┏")

        state.showsHelp = true
        DashboardView.render(state, into: &screen, context: RenderContext(glyphs: .utf8, now: now))
        #expect(screen.text.contains("next / previous dashboard"))
    }

    @Test(arguments: [(1, 1), (10, 3), (30, 8), (80, 24), (200, 60)])
    func everyShippedDashboardDrawsAtAnySize(size: (Int, Int)) throws {
        for glyphs in [Glyphs.utf8, .ascii] {
            for spec in try shipped() {
                var state = DashboardState(
                    dashboards: [spec], range: 3_600_000, refreshInterval: .seconds(5), sourceLabel: "s")
                state.panelData = SyntheticPanelData.make(for: spec, window: TimeWindow(end: now, range: 3_600_000))
                var screen = ScreenBuffer(width: size.0, height: size.1)
                for zoomed in [false, true] {
                    state.zoomed = zoomed
                    state.showsHelp = zoomed
                    DashboardView.render(state, into: &screen, context: RenderContext(glyphs: glyphs, now: now))
                }
                if !glyphs.unicode { #expect(screen.cells.allSatisfy { $0.scalar.isASCII }) }
            }
        }
    }

    @Test func panelErrorsAreCountedInTheStatusLine() throws {
        var state = DashboardState(
            dashboards: [try shipped()[0]], range: 3_600_000, refreshInterval: .seconds(5), sourceLabel: "s")
        var data = SyntheticPanelData.make(for: state.dashboard, window: TimeWindow(end: now, range: 3_600_000))
        data[1] = PanelData(error: "boom")
        state.panelData = data
        var screen = ScreenBuffer(width: 100, height: 30)
        DashboardView.render(state, into: &screen, context: RenderContext(glyphs: .utf8, now: now))
        #expect(screen.line(29).contains("1 panel error"))
        #expect(screen.text.contains("! boom"))
    }

    @Test func localSourceRunsTheRealEngineAndKeepsErrorsPerPanel() async throws {
        let store = InMemorySeriesStore()
        let start = now - 3_600_000
        for (model, perMinute) in [("a", 60.0), ("b", 600.0)] {
            store.add(
                Labels(name: "infermon_requests_total", ["model": model]),
                (0...60).map { Sample(start + Int64($0) * 60_000, Double($0) * perMinute) })
        }
        let source = LocalDataSource(label: "mem", querier: store, sketches: store, notificationLog: nil)
        let spec = DashboardSpec(
            name: "t", title: "t",
            rows: [
                .init(panels: [
                    PanelSpec(
                        title: "rate", kind: .graph,
                        queries: [QuerySpec("sum by (model) (rate(infermon_requests_total[5m]))", legend: "{{model}}")]),
                    PanelSpec(
                        title: "by model", kind: .bar,
                        queries: [QuerySpec("sum by (model) (rate(infermon_requests_total[5m]))", legend: "{{model}}")]),
                    PanelSpec(title: "bad", kind: .stat, queries: [QuerySpec("sum(rate(infermon_requests_total[5m])")]),
                    PanelSpec(title: "notes", kind: .notifications),
                ])
            ])
        let data = await PanelFetcher(source: source).fetch(
            spec, scope: VariableScope(), window: TimeWindow(end: now, range: 3_600_000))
        #expect(data[0].series.map(\.legend) == ["a", "b"])
        #expect(abs((data[0].series[1].last ?? 0) - 10) < 1e-9)
        #expect(data[1].values.map(\.legend) == ["a", "b"])
        #expect(abs(data[1].values[0].value - 1) < 1e-9)
        #expect(data[2].error?.contains("parse error") == true)
        #expect(data[3].notAvailable != nil)
    }

    @Test func prometheusResponsesDecode() throws {
        let matrix = QueryResult.matrix([
            Series(labels: Labels(["model": "a"]), samples: [Sample(1_000, 1.5), Sample(61_000, .infinity)])
        ])
        #expect(try PrometheusResponseDecoder.queryResult(PrometheusJSON.encode(matrix)) == matrix)
        let vector = QueryResult.vector([InstantSample(labels: Labels(name: "x"), timestamp: 5_123, value: 42)])
        #expect(try PrometheusResponseDecoder.queryResult(PrometheusJSON.encode(vector)) == vector)
        let error = PrometheusJSON.encodeError(.badData, "1:3: parse error: boom")
        #expect(throws: InfermonError.self) { try PrometheusResponseDecoder.queryResult(error) }
        let alerts = Array(
            #"{"status":"success","data":{"alerts":[{"labels":{"alertname":"A","severity":"warning"},"annotations":{"summary":"s"},"state":"firing","activeAt":"2027-01-15T08:00:00Z","value":"1e+00"}]}}"#
                .utf8)
        let decoded = try PrometheusResponseDecoder.alerts(alerts)
        #expect(decoded.first?.name == "A")
        #expect(decoded.first?.summary == "s")
        #expect(decoded.first?.activeAt == TimeParsing.rfc3339Millis("2027-01-15T08:00:00Z"))
    }
}
