public import InfermonCore

/// A node of the routing tree with its inherited settings resolved. Matching is
/// Alertmanager's: depth first, the first matching child wins unless it says
/// `continue`, and a route none of whose children match takes the alert itself.
public final class Route: Sendable {
    /// Position in a pre-order walk: tells apart sibling routes with equal matchers.
    public let index: Int
    /// `{}/{severity="critical"}`: the matchers down the parent chain, as Alertmanager keys routes.
    public let key: String
    public let receiver: String
    public let grouping: Grouping
    public let groupWait: Duration
    public let groupInterval: Duration
    public let repeatInterval: Duration
    public let matchers: [LabelMatcher]
    public let continueMatching: Bool
    public let children: [Route]

    /// Builds the tree from its configuration, checking receivers and intervals.
    public convenience init(root spec: RouteSpec, receivers: Set<String>) throws {
        guard spec.matchers.isEmpty else {
            throw InfermonError.invalidArgument("the root route must not have matchers")
        }
        guard spec.receiver != nil else { throw InfermonError.invalidArgument("the root route needs a receiver") }
        var counter = 0
        try self.init(spec: spec, parent: nil, receivers: receivers, counter: &counter)
    }

    private init(spec: RouteSpec, parent: Inherited?, receivers: Set<String>, counter: inout Int) throws {
        index = counter
        counter += 1
        let ownKey = "{" + spec.matchers.map(\.description).joined(separator: ",") + "}"
        key = parent.map { $0.key + "/" + ownKey } ?? ownKey
        guard let receiver = spec.receiver ?? parent?.receiver else {
            throw InfermonError.invalidArgument("route \(key) has no receiver")
        }
        guard receivers.contains(receiver) else {
            throw InfermonError.invalidArgument("route \(key) names unknown receiver \"\(receiver)\"")
        }
        self.receiver = receiver
        grouping = try spec.groupBy.map { try Grouping($0) } ?? parent?.grouping ?? Grouping(nil)
        groupWait = spec.groupWait ?? parent?.groupWait ?? RouteSpec.defaultGroupWait
        groupInterval = spec.groupInterval ?? parent?.groupInterval ?? RouteSpec.defaultGroupInterval
        repeatInterval = spec.repeatInterval ?? parent?.repeatInterval ?? RouteSpec.defaultRepeatInterval
        guard groupWait >= .zero, groupInterval > .zero, repeatInterval > .zero else {
            throw InfermonError.invalidArgument(
                "route \(key): group_interval and repeat_interval must be positive, group_wait not negative")
        }
        matchers = spec.matchers
        continueMatching = spec.continueMatching
        let inherited = Inherited(
            key: key, receiver: receiver, grouping: grouping, groupWait: groupWait, groupInterval: groupInterval,
            repeatInterval: repeatInterval)
        var built: [Route] = []
        for child in spec.routes {
            built.append(try Route(spec: child, parent: inherited, receivers: receivers, counter: &counter))
        }
        children = built
    }

    /// The routes that take an alert with these labels, in tree order.
    public func match(_ labels: Labels) -> [Route] {
        guard matchers.matches(labels) else { return [] }
        var all: [Route] = []
        for child in children {
            let matched = child.match(labels)
            all += matched
            if !matched.isEmpty && !child.continueMatching { break }
        }
        return all.isEmpty ? [self] : all
    }

    /// Every route of the tree, pre-order.
    public var allRoutes: [Route] { [self] + children.flatMap(\.allRoutes) }
}

/// What a child route takes from its parent when it leaves a setting unset.
private struct Inherited {
    let key: String
    let receiver: String
    let grouping: Grouping
    let groupWait: Duration
    let groupInterval: Duration
    let repeatInterval: Duration
}
