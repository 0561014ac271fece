import Dashboard
import InfermonCore
import Testing

/// Panels drawn into an in-memory screen; the cells are read back.
@Suite("Panel rendering")
struct PanelRenderingTests {
    let now: Timestamp = 1_800_000_000_000
    var context: RenderContext { RenderContext(glyphs: .utf8, now: now) }

    func render(_ panel: PanelSpec, _ data: PanelData?, width: Int = 40, height: Int = 10, glyphs: Glyphs = .utf8)
        -> ScreenBuffer
    {
        var screen = ScreenBuffer(width: width, height: height)
        PanelRenderer.draw(
            panel, data: data, in: screen.bounds, selected: false, into: &screen,
            context: RenderContext(glyphs: glyphs, now: now))
        return screen
    }

    func find(_ text: String, in screen: ScreenBuffer) -> (x: Int, y: Int)? {
        for y in 0..<screen.height {
            let line = Array(screen.line(y).unicodeScalars)
            let needle = Array(text.unicodeScalars)
            guard line.count >= needle.count else { continue }
            for x in 0...(line.count - needle.count) where Array(line[x..<x + needle.count]) == needle {
                return (x, y)
            }
        }
        return nil
    }

    func series(_ values: [Double], legend: String = "a", step: Int64 = 60_000) -> LabeledSeries {
        let start = now - Int64(values.count - 1) * step
        return LabeledSeries(
            legend: legend, labels: Labels(["model": legend]), query: 0,
            samples: values.enumerated().map { Sample(start + Int64($0.offset) * step, $0.element) })
    }

    @Test func statShowsTheLastValueInItsThresholdColour() throws {
        let panel = PanelSpec(
            title: "Error ratio", kind: .stat, queries: [QuerySpec("x")], unit: .ratio,
            thresholds: Thresholds(base: .green, steps: [(0.01, .yellow), (0.05, .red)]))
        let data = PanelData(series: [series([0.01, 0.02, 0.07])], start: now - 120_000, end: now)
        let screen = render(panel, data, width: 20, height: 5)
        let position = try #require(find("7%", in: screen))
        #expect(screen[position.x, position.y].style.foreground == .red)
        #expect(screen[position.x, position.y].style.bold)
        #expect(find("Error ratio", in: screen)?.y == 0)
        // The sparkline under it rises to the last value: a full block in the last column.
        let sparkRow = screen.line(3)
        #expect(sparkRow.unicodeScalars.contains("█"))
    }

    @Test func statBelowTheFirstThresholdUsesTheBaseColour() throws {
        let panel = PanelSpec(
            title: "s", kind: .stat, queries: [QuerySpec("x")], unit: .short,
            thresholds: Thresholds(base: .green, steps: [(10, .red)]))
        let screen = render(panel, PanelData(series: [series([3])], start: now, end: now), width: 12, height: 3)
        let position = try #require(find("3", in: screen))
        #expect(screen[position.x, position.y].style.foreground == .green)
    }

    @Test func graphDrawsBrailleWithAxisAndLegend() throws {
        let panel = PanelSpec(title: "Latency", kind: .graph, queries: [QuerySpec("x")], unit: .seconds)
        let data = PanelData(
            series: [series([0, 1, 2, 3, 4], legend: "gpt-4o"), series([2, 2, 2, 2, 2], legend: "mini")],
            start: now - 240_000, end: now)
        let screen = render(panel, data, width: 40, height: 12)
        // Axis: the top label is the maximum, the bottom one zero.
        #expect(find("4s┤", in: screen)?.y == 1)
        #expect(find("0s┤", in: screen) != nil)
        // Legend entries with each series' last value.
        #expect(find("■ gpt-4o 4s", in: screen) != nil)
        #expect(find("■ mini 2s", in: screen) != nil)
        #expect(find("-4m", in: screen) != nil && find("now", in: screen) != nil)
        // Braille dots in the plot, coloured per series.
        var colors = Set<TerminalColor>()
        for y in 0..<screen.height {
            for x in 0..<screen.width where (0x2801...0x28FF).contains(screen[x, y].scalar.value) {
                colors.insert(screen[x, y].style.foreground)
            }
        }
        #expect(colors == [.cyan, .yellow])
    }

    @Test func graphRisesFromBottomLeftToTopRight() throws {
        let panel = PanelSpec(title: "g", kind: .graph, queries: [QuerySpec("x")])
        let data = PanelData(series: [series([0, 10])], start: now - 60_000, end: now)
        let screen = render(panel, data, width: 30, height: 12)
        var first: (x: Int, y: Int)? = nil
        var last: (x: Int, y: Int)? = nil
        for x in 0..<screen.width {
            for y in 0..<screen.height where (0x2801...0x28FF).contains(screen[x, y].scalar.value) {
                if first == nil { first = (x, y) }
                last = (x, y)
            }
        }
        let start = try #require(first)
        let end = try #require(last)
        #expect(start.x < end.x)
        #expect(start.y > end.y)
    }

    @Test func asciiGlyphsWithoutUTF8() {
        let panel = PanelSpec(title: "g", kind: .graph, queries: [QuerySpec("x")])
        let data = PanelData(series: [series([1, 5, 2, 8])], start: now - 180_000, end: now)
        let screen = render(panel, data, width: 30, height: 10, glyphs: .ascii)
        #expect(screen.cells.allSatisfy { $0.scalar.isASCII })
        #expect(screen.cells.contains { ["'", ".", ":"].contains($0.scalar) })
        #expect(screen[0, 0].scalar == "+")
    }

    @Test func gaugeFillsInProportionWithThresholdColour() throws {
        let panel = PanelSpec(
            title: "Budget", kind: .gauge, queries: [QuerySpec("x")], unit: .ratio,
            thresholds: Thresholds(base: .green, steps: [(1, .red)]), min: 0, max: 2)
        let data = PanelData(
            values: [LabeledValue(legend: "team-a", labels: Labels(), query: 0, value: 1.0)], at: now)
        let screen = render(panel, data, width: 30, height: 3)
        let row = screen.line(1)
        let blocks = row.unicodeScalars.filter { $0 == "█" }.count
        let shade = row.unicodeScalars.filter { $0 == "░" }.count
        // Half of the bar filled (1.0 of 0…2).
        #expect(abs(blocks - shade) <= 1)
        #expect(row.hasSuffix("100%│"))
        let x = try #require(row.unicodeScalars.firstIndex(of: "█")).utf16Offset(in: row)
        #expect(screen[x, 1].style.foreground == .red)
    }

    @Test func barChartSortsLargestFirst() throws {
        let panel = PanelSpec(title: "Cost", kind: .bar, queries: [QuerySpec("x")], unit: .usd)
        let data = PanelData(
            values: [
                LabeledValue(legend: "small", labels: Labels(), query: 0, value: 1),
                LabeledValue(legend: "big", labels: Labels(), query: 0, value: 9),
            ], at: now)
        let screen = render(panel, data, width: 30, height: 4)
        let big = try #require(find("big", in: screen))
        let small = try #require(find("small", in: screen))
        #expect(big.y < small.y)
        #expect(find("$9.00", in: screen)?.y == big.y)
    }

    @Test func tableJoinsQueriesOnLabelsAndSortsByTheFirstColumn() throws {
        let panel = PanelSpec(
            title: "Tenants", kind: .table,
            queries: [QuerySpec("cost", legend: "cost"), QuerySpec("req", legend: "req")],
            unit: .short, columns: ["tenant"])
        let data = PanelData(
            values: [
                LabeledValue(legend: "", labels: Labels(["tenant": "acme"]), query: 0, value: 5),
                LabeledValue(legend: "", labels: Labels(["tenant": "globex"]), query: 0, value: 50),
                LabeledValue(legend: "", labels: Labels(["tenant": "acme", "x": "1"]), query: 1, value: 7),
            ], at: now)
        let screen = render(panel, data, width: 30, height: 6)
        #expect(screen.line(1).hasPrefix("│tenant cost req"))
        #expect(screen.line(2).hasPrefix("│globex   50   -"))
        #expect(screen.line(3).hasPrefix("│acme      5   7"))
    }

    @Test func alertsListShowsSeverityAgeAndSummary() throws {
        let panel = PanelSpec(title: "Alerts", kind: .alerts)
        var data = PanelData()
        data.alerts = [
            ActiveAlert(
                labels: Labels(["alertname": "HighErrorRatio", "severity": "critical"]),
                annotations: ["summary": "12% errors on gpt-4o"], activeAt: now - 7_980_000)
        ]
        let screen = render(panel, data, width: 60, height: 4)
        let tag = try #require(find("CRIT", in: screen))
        #expect(screen[tag.x, tag.y].style.foreground == .red)
        #expect(find("CRIT 2h13m HighErrorRatio 12% errors on gpt-4o", in: screen) != nil)
    }

    /// "Firing alerts" lists what fires; pending alerts (which may clear by
    /// themselves) are counted on the last row. A summary too long for the
    /// row goes on the next one instead of losing the route at its end.
    @Test func firingAlertsAreListedPendingOnesCountedAndSummariesWrapped() throws {
        let panel = PanelSpec(title: "Firing alerts", kind: .alerts)
        var data = PanelData()
        data.alerts = [
            ActiveAlert(
                labels: Labels(["alertname": "InfermonLatencyP99High", "severity": "ticket"]),
                annotations: ["summary": "gpt-4o /v1/chat/completions: p99 latency 1m 12s"], activeAt: now - 600_000),
            ActiveAlert(
                labels: Labels(["alertname": "InfermonCostSpike", "severity": "ticket"]), state: "pending",
                activeAt: now - 60_000),
            ActiveAlert(
                labels: Labels(["alertname": "InfermonModelTrafficStopped", "severity": "ticket"]), state: "pending",
                activeAt: now - 60_000),
        ]
        let screen = render(panel, data, width: 62, height: 6)
        #expect(!screen.text.contains("pend "), "pending alerts are not listed as firing")
        #expect(screen.text.contains("2 pending: InfermonCostSpike, InfermonModelTrafficStopped"))
        #expect(screen.text.contains("InfermonLatencyP99High"))
        #expect(screen.text.contains("gpt-4o /v1/chat/completions: p99 latency 1m 12s"), "\(screen.text)")

        // Only pending: nothing fires, and the count still shows.
        data.alerts.removeFirst()
        let quiet = render(panel, data, width: 50, height: 6)
        #expect(quiet.text.contains("no alerts firing") && quiet.text.contains("2 pending"))

        // More firing alerts than rows: the last row says how many are left out.
        data.alerts = (0..<6).map { index in
            ActiveAlert(labels: Labels(["alertname": "A\(index)", "severity": "page"]), annotations: ["summary": "s"])
        }
        let crowded = render(panel, data, width: 50, height: 5)
        #expect(crowded.text.contains("+4 more"), "\(crowded.text)")
    }

    /// A stat says what is true now: when traffic stopped twenty minutes ago,
    /// the range still holds the old values, but the stat does not show them.
    @Test func aStatWithNoValueNowSaysSoInsteadOfShowingTheLastOne() {
        let panel = PanelSpec(title: "p99 latency", kind: .stat, unit: .seconds)
        let step: Int64 = 60_000
        let old = (0..<10).map { Sample(now - 30 * 60_000 + Int64($0) * step, 42) }
        var data = PanelData(
            series: [LabeledSeries(legend: "", labels: Labels(), query: 0, samples: old)], start: now - 3_600_000,
            end: now)
        data.step = step
        let stale = render(panel, data, width: 24, height: 5)
        #expect(stale.text.contains("no data now") && !stale.text.contains("42"), "\(stale.text)")
        // With a value on the last step, it is shown.
        data.series[0].samples.append(Sample(now, 7))
        #expect(render(panel, data, width: 24, height: 5).text.contains("7"))
    }

    @Test func feedsSayWhenTheSourceHasNone() {
        var data = PanelData()
        data.notAvailable = "not available: the server has no /api/v1/alerts"
        let screen = render(PanelSpec(title: "Alerts", kind: .alerts), data, width: 60, height: 5)
        #expect(screen.text.contains("not available: the server has no /api/v1/alerts"))
        var empty = PanelData()
        empty.alerts = []
        #expect(render(PanelSpec(title: "Alerts", kind: .alerts), empty).text.contains("no alerts firing"))
    }

    @Test func aQueryErrorStaysInsideItsPanel() {
        let panel = PanelSpec(title: "Broken", kind: .stat, queries: [QuerySpec("x")])
        let screen = render(panel, PanelData(error: "1:5: parse error: unexpected end of input"), width: 24, height: 5)
        #expect(screen.line(1).hasPrefix("│! 1:5: parse error:"))
        #expect(screen.text.contains("unexpected end"))
        #expect(screen[1, 1].style.foreground == .red)
        // Frame intact.
        #expect(screen[0, 0].scalar == "┌" && screen[23, 4].scalar == "┘")
        // A word longer than the panel (a URL) is cut across lines, not pushed off the first.
        let narrow = render(panel, PanelData(error: "http://127.0.0.1:9464: connection refused"), width: 12, height: 6)
        #expect(narrow.line(1) == "│! http://1│")
        #expect(narrow.line(2) == "│27.0.0.1:9│")
    }

    @Test func noDataAndLoadingAreSaid() {
        let panel = PanelSpec(title: "g", kind: .graph, queries: [QuerySpec("x")])
        #expect(render(panel, PanelData(series: [], start: 0, end: 1)).text.contains("no data"))
        #expect(render(panel, nil).text.contains("loading"))
    }
}
