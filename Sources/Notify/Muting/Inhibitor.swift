public import InfermonCore

/// Mutes target alerts while a matching source alert fires, when the two agree
/// on the `equal` labels (a label missing on both sides counts as equal), as
/// Alertmanager's `inhibit_rules` do: a critical alert silences the warnings
/// about the same model.
public struct InhibitRule: Sendable, Equatable {
    public var sourceMatchers: [LabelMatcher]
    public var targetMatchers: [LabelMatcher]
    public var equal: [String]

    public init(sourceMatchers: [LabelMatcher], targetMatchers: [LabelMatcher], equal: [String] = []) {
        self.sourceMatchers = sourceMatchers
        self.targetMatchers = targetMatchers
        self.equal = equal
    }
}

struct Inhibitor: Sendable {
    let rules: [InhibitRule]

    /// Fingerprints of the alerts among `alerts` that some rule inhibits at `now`.
    func inhibited(among alerts: [Alert], at now: Timestamp) -> Set<UInt64> {
        guard !rules.isEmpty else { return [] }
        var muted: Set<UInt64> = []
        for rule in rules {
            let sources = alerts.filter { !$0.isResolved(at: now) && rule.sourceMatchers.matches($0.labels) }
            guard !sources.isEmpty else { continue }
            // Sources by their `equal` values; a source also matching the target
            // side is kept apart so an alert matching both cannot mute itself
            // or its twins.
            var plain: Set<[String]> = []
            var twoSided: [[String]: Set<UInt64>] = [:]
            for source in sources {
                let key = rule.equal.map { source.labels[$0] ?? "" }
                if rule.targetMatchers.matches(source.labels) {
                    twoSided[key, default: []].insert(source.fingerprint)
                } else {
                    plain.insert(key)
                }
            }
            for target in alerts where rule.targetMatchers.matches(target.labels) {
                let key = rule.equal.map { target.labels[$0] ?? "" }
                if plain.contains(key) {
                    muted.insert(target.fingerprint)
                } else if !rule.sourceMatchers.matches(target.labels),
                    let fingerprints = twoSided[key], !fingerprints.isEmpty
                {
                    muted.insert(target.fingerprint)
                }
            }
        }
        return muted
    }
}
