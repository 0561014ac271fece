public import InfermonCore

/// One node of the routing tree as configured: unset fields inherit from the
/// parent, as in Alertmanager's `route:` block.
public struct RouteSpec: Sendable, Equatable {
    public var receiver: String?
    /// Labels to group by; `["..."]` groups by every label (one group per alert).
    public var groupBy: [String]?
    public var groupWait: Duration?
    public var groupInterval: Duration?
    public var repeatInterval: Duration?
    public var matchers: [LabelMatcher]
    /// Keep looking at later siblings after this route matched.
    public var continueMatching: Bool
    public var routes: [RouteSpec]

    public init(
        receiver: String? = nil, groupBy: [String]? = nil, groupWait: Duration? = nil, groupInterval: Duration? = nil,
        repeatInterval: Duration? = nil, matchers: [LabelMatcher] = [], continueMatching: Bool = false,
        routes: [RouteSpec] = []
    ) {
        self.receiver = receiver
        self.groupBy = groupBy
        self.groupWait = groupWait
        self.groupInterval = groupInterval
        self.repeatInterval = repeatInterval
        self.matchers = matchers
        self.continueMatching = continueMatching
        self.routes = routes
    }

    /// Alertmanager's defaults for the root route.
    public static let defaultGroupWait: Duration = .seconds(30)
    public static let defaultGroupInterval: Duration = .seconds(300)
    public static let defaultRepeatInterval: Duration = .seconds(4 * 3600)
}

/// How a route splits its alerts into aggregation groups.
public enum Grouping: Sendable, Hashable {
    /// `group_by: ['...']`: every distinct label set is its own group.
    case allLabels
    /// The listed labels (an empty list puts every alert of the route in one group).
    case labels([String])

    init(_ names: [String]?) throws {
        guard let names else {
            self = .labels([])
            return
        }
        if names.contains("...") {
            guard names.count == 1 else {
                throw InfermonError.invalidArgument("group_by \"...\" cannot be combined with other labels")
            }
            self = .allLabels
        } else {
            self = .labels(Array(Set(names)).sorted())
        }
    }

    public func groupLabels(of labels: Labels) -> Labels {
        switch self {
        case .allLabels: return labels
        case .labels(let names): return labels.keeping(Set(names))
        }
    }
}
