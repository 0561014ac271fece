public import InfermonCore

/// Everything the screen shows, and how keys change it. Pure: the event loop
/// feeds it keys and data and draws it; tests do the same without a terminal.
public struct DashboardState: Sendable {
    public var dashboards: [DashboardSpec]
    public var current: Int
    public var selected = 0
    public var zoomed = false
    public var paused = false
    public var showsHelp = false
    public var range: Int64
    public var refreshInterval: Duration
    public var overrides: [String: String]
    public var sourceLabel: String
    /// Data of the current dashboard's panels; nil until the first fetch returns.
    public var panelData: [PanelData]?
    public var lastRefresh: Timestamp?
    public var refreshing = false
    /// Why the dashboard files could not be re-read on `r`; the old ones stay shown.
    public var reloadError: String?

    public init(
        dashboards: [DashboardSpec], current: Int = 0, range: Int64, refreshInterval: Duration,
        overrides: [String: String] = [:], sourceLabel: String
    ) {
        self.dashboards = dashboards
        self.current = current
        self.range = range
        self.refreshInterval = refreshInterval
        self.overrides = overrides
        self.sourceLabel = sourceLabel
    }

    public var dashboard: DashboardSpec { dashboards[current] }

    /// Dashboards re-read from their files: the one shown stays selected (by
    /// name) when it still exists; its data is dropped if its panels changed.
    public mutating func replaceDashboards(_ specs: [DashboardSpec]) {
        guard !specs.isEmpty else { return }
        let shown = dashboard
        dashboards = specs
        current = specs.firstIndex { $0.name == shown.name } ?? min(current, specs.count - 1)
        if dashboard != shown {
            panelData = nil
            selected = 0
            zoomed = false
        }
    }

    /// The window to fetch for, ending at `now`.
    public func window(now: Timestamp) -> TimeWindow { TimeWindow(end: now, range: range) }

    public func scope(now: Timestamp) -> VariableScope {
        VariableScope(spec: dashboard, overrides: overrides, range: range, step: window(now: now).step)
    }

    /// Panels whose last fetch had an error, for the status line.
    public var errorCount: Int { panelData?.filter { $0.error != nil }.count ?? 0 }

    /// Applies a key. `layout` is the grid as last drawn, for arrow moves.
    public mutating func handle(_ key: Key, layout: GridLayout?) -> Command {
        if showsHelp {
            // Any key closes help; q still quits.
            showsHelp = false
            if key == .character("q") || key == .interrupt { return .quit }
            return .redraw
        }
        switch key {
        case .character("q"), .interrupt:
            return .quit
        case .escape:
            if zoomed {
                zoomed = false
                return .redraw
            }
            return .quit
        case .tab, .backTab:
            guard dashboards.count > 1 else { return .none }
            let step = key == .tab ? 1 : dashboards.count - 1
            current = (current + step) % dashboards.count
            selected = 0
            zoomed = false
            panelData = nil
            return .refresh
        case .character("+"), .character("="):
            return changeRange(by: 1)
        case .character("-"), .character("_"):
            return changeRange(by: -1)
        case .character("r"):
            return .refresh
        case .character("p"):
            paused.toggle()
            return paused ? .redraw : .refresh
        case .character("?"), .character("h"):
            showsHelp = true
            return .redraw
        case .enter, .character("z"):
            zoomed.toggle()
            return .redraw
        case .up, .down, .left, .right:
            guard !zoomed, let layout else { return .none }
            let direction: GridLayout.Direction =
                switch key {
                case .up: .up
                case .down: .down
                case .left: .left
                default: .right
                }
            let next = layout.move(from: selected, direction)
            guard next != selected else { return .none }
            selected = next
            return .redraw
        default:
            return .none
        }
    }

    private mutating func changeRange(by direction: Int) -> Command {
        let next = TimeWindow.adjacent(to: range, direction: direction)
        guard next != range else { return .none }
        range = next
        return .refresh
    }
}
