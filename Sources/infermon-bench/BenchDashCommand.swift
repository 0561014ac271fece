import ArgumentParser
import Dashboard
import InfermonCore

/// `infermon bench dash`: the cost of one frame of a dashboard, query time
/// excluded — render every panel into the screen buffer and diff it against
/// the previous frame, with the data moved one step between frames as a live
/// refresh moves it.
struct BenchDashCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dash",
        abstract: "Time building and diffing one dashboard frame (no queries); target under 20 ms at 200x60.")

    @Option(help: ArgumentHelp("Dashboard file.", valueName: "file")) var dashboard = "dashboards/overview.yaml"
    @Option(help: "Columns.") var width = 200
    @Option(help: "Rows.") var height = 60
    @Option(help: "Frames to time.") var frames = 500
    @Flag(help: "Draw with ASCII instead of braille.") var ascii = false

    func run() throws {
        let spec = try DashboardLibrary.load(dashboard)
        let now: Timestamp = 1_800_000_000_000
        let window = TimeWindow(end: now, range: 3_600_000)
        let datasets = (0..<8).map { SyntheticPanelData.make(for: spec, window: window, shift: $0) }
        var state = DashboardState(
            dashboards: [spec], range: window.range, refreshInterval: .seconds(5), sourceLabel: "bench")
        state.lastRefresh = now
        let context = RenderContext(glyphs: ascii ? .ascii : .utf8, now: now)
        let diff = ScreenDiff(colorMode: .ansi16)

        // First frame: every cell written.
        state.panelData = datasets[0]
        var screen = ScreenBuffer(width: width, height: height)
        var started = monotonicNanoseconds()
        DashboardView.render(state, into: &screen, context: context)
        let fullBytes = diff.bytes(from: nil, to: screen).count
        let firstMillis = Double(monotonicNanoseconds() - started) / 1e6

        var previous = screen
        var times: [Double] = []
        var bytes = 0
        let cpuStarted = cpuSeconds()
        for frame in 0..<frames {
            state.panelData = datasets[(frame + 1) % datasets.count]
            started = monotonicNanoseconds()
            DashboardView.render(state, into: &screen, context: context)
            bytes += diff.bytes(from: previous, to: screen).count
            times.append(Double(monotonicNanoseconds() - started) / 1e6)
            previous = screen
        }
        let cpu = cpuSeconds() - cpuStarted
        times.sort()
        func percentile(_ q: Double) -> Double { times[min(times.count - 1, Int(q * Double(times.count)))] }
        print(
            "dashboard: \(spec.name) (\(spec.panels.count) panels) at \(width)x\(height), \(ascii ? "ascii" : "braille")"
        )
        print("first frame (full redraw): \(format(firstMillis)) ms, \(fullBytes) bytes")
        print(
            "per frame, render + diff over \(frames) frames: median \(format(percentile(0.5))) ms, "
                + "p99 \(format(percentile(0.99))) ms, max \(format(times.last ?? 0)) ms")
        print("bytes written per frame (mean): \(bytes / max(1, frames))")
        print("CPU: \(format(cpu * 1000 / Double(max(1, frames)))) ms per frame")
    }

    private func format(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return "\(scaled)"
    }
}
