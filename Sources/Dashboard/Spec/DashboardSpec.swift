public import InfermonCore

/// A dashboard as its YAML file defines it: variables with defaults, and rows
/// of panels. Rows with a `height` get that many lines; the others share what
/// is left by `weight`. Panels in a row share its width by `width` weights, so
/// the same file lays out at 80×24 and on a wide screen.
public struct DashboardSpec: Sendable, Hashable {
    public var name: String
    public var title: String
    public var file: String
    public var variables: [Variable]
    public var rows: [Row]

    public init(name: String, title: String, file: String = "", variables: [Variable] = [], rows: [Row]) {
        self.name = name
        self.title = title
        self.file = file
        self.variables = variables
        self.rows = rows
    }

    public var panels: [PanelSpec] { rows.flatMap(\.panels) }

    public struct Variable: Sendable, Hashable {
        public var name: String
        public var defaultValue: String
        public init(name: String, defaultValue: String) {
            self.name = name
            self.defaultValue = defaultValue
        }
    }

    public struct Row: Sendable, Hashable {
        /// Lines, fixed; nil shares the remaining lines by `weight`.
        public var height: Int?
        public var weight: Int
        public var panels: [PanelSpec]
        public init(height: Int? = nil, weight: Int = 1, panels: [PanelSpec]) {
            self.height = height
            self.weight = weight
            self.panels = panels
        }
    }
}

/// One panel: what it shows, and the queries behind it.
public struct PanelSpec: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case graph, stat, gauge, bar, table, alerts, notifications
    }

    public var title: String
    public var kind: Kind
    public var queries: [QuerySpec]
    public var unit: ValueUnit
    public var thresholds: Thresholds
    /// Gauge scale; graphs use them to fix the y axis.
    public var min: Double?
    public var max: Double?
    /// Relative width within its row.
    public var width: Int
    /// Table columns taken from labels, in order; empty shows every label.
    public var columns: [String]
    /// Most rows a table, bar chart or list shows.
    public var limit: Int
    /// Where the panel is defined, for errors about it.
    public var location: SourceLocation?

    public init(
        title: String, kind: Kind, queries: [QuerySpec] = [], unit: ValueUnit = .short,
        thresholds: Thresholds = Thresholds(), min: Double? = nil, max: Double? = nil, width: Int = 1,
        columns: [String] = [], limit: Int = 10, location: SourceLocation? = nil
    ) {
        self.title = title
        self.kind = kind
        self.queries = queries
        self.unit = unit
        self.thresholds = thresholds
        self.min = min
        self.max = max
        self.width = width
        self.columns = columns
        self.limit = limit
        self.location = location
    }

    /// Whether the panel reads PromQL (alerts and notifications come from their own APIs).
    public var usesQueries: Bool { kind != .alerts && kind != .notifications }
}

/// A PromQL query with the legend its series are named by.
public struct QuerySpec: Sendable, Hashable {
    public var expression: String
    /// `{{label}}` placeholders are replaced by each series' labels; empty uses the label set.
    public var legend: String
    public var location: SourceLocation?

    public init(_ expression: String, legend: String = "", location: SourceLocation? = nil) {
        self.expression = expression
        self.legend = legend
        self.location = location
    }
}

/// Colour steps over a value, as Grafana's thresholds: the base colour below
/// the first step, then each step's colour from its value up.
public struct Thresholds: Sendable, Hashable {
    public var base: TerminalColor
    public var steps: [(value: Double, color: TerminalColor)]

    public init(base: TerminalColor = .default, steps: [(value: Double, color: TerminalColor)] = []) {
        self.base = base
        self.steps = steps.sorted { $0.value < $1.value }
    }

    public func color(for value: Double) -> TerminalColor {
        guard value.isFinite else { return base }
        var color = base
        for step in steps where value >= step.value { color = step.color }
        return color
    }

    public var isEmpty: Bool { steps.isEmpty && base == .default }

    public static func == (lhs: Thresholds, rhs: Thresholds) -> Bool {
        lhs.base == rhs.base && lhs.steps.count == rhs.steps.count
            && zip(lhs.steps, rhs.steps).allSatisfy { $0.value == $1.value && $0.color == $1.color }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(base)
        for step in steps {
            hasher.combine(step.value)
            hasher.combine(step.color)
        }
    }
}
