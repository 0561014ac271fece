import InfermonCore

/// The alerts one route collects under one set of group labels, flushed
/// together: first after `group_wait`, then every `group_interval`.
struct AggregationGroup {
    struct ID: Hashable {
        let route: Int
        let labels: Labels
    }

    let route: Route
    let labels: Labels
    /// `{route key}:{group labels}`, Alertmanager's group key.
    let key: String
    var alerts: [UInt64: Alert] = [:]
    var nextFlush: Timestamp
    var hasFlushed = false

    init(route: Route, labels: Labels, now: Timestamp) {
        self.route = route
        self.labels = labels
        self.key = route.key + ":" + Self.text(labels)
        self.nextFlush = now + route.groupWait.millis
    }

    /// `{a="1", b="2"}`, as Alertmanager prints label sets.
    static func text(_ labels: Labels) -> String {
        "{" + labels.pairs.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ", ") + "}"
    }
}

/// Alertmanager's deduplication rule: whether a flush has anything to tell
/// an integration, given what the notification log says it was last told.
///
/// One departure: a group never notified is news when an alert in it has
/// resolved after firing for at least `group_wait`. Alertmanager drops such a
/// group, since it only hears of alerts from a Prometheus that re-sends them;
/// here the alert and the notification live in one process, and a group that
/// fired that long without a log entry means a crash between the rule engine
/// storing the firing state and this stage queuing it. Dropping the resolve
/// would leave the receiver never knowing the alert fired at all. Alerts that
/// fire for less than `group_wait` still go untold, as in Alertmanager, and so
/// do later re-sends of a resolve (see `NotificationDispatcher.freshResolve`).
enum DedupDecision {
    static func needsUpdate(
        entry: NotificationLogEntry?, firing: Set<UInt64>, resolved: Set<UInt64>, sendResolved: Bool,
        repeatInterval: Duration, now: Timestamp, resolvedAfterGroupWait: Bool = false
    ) -> Bool {
        // Never notified: firing alerts are news, and so is an alert that fired
        // long enough to have been told and resolved before it was.
        guard let entry else { return !firing.isEmpty || (sendResolved && resolvedAfterGroupWait) }
        // Something fires that the receiver has not heard of.
        if !firing.isSubset(of: entry.firingFingerprints) { return true }
        // Everything resolved: tell the receiver if it was told something fired.
        // (Logged even when resolved alerts are not sent, to clear the firing set.)
        if firing.isEmpty { return !entry.firing.isEmpty }
        if sendResolved && !resolved.isSubset(of: entry.resolved) { return true }
        // Nothing changed: remind after the repeat interval.
        return entry.sentAt + repeatInterval.millis <= now
    }
}
