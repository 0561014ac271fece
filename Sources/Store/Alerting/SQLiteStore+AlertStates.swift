public import InfermonCore

/// Alert states in SQLite, one row per alert. Labels and annotations are kept
/// in Prometheus's text form (`{alertname="X", severity="page"}`) so the table
/// reads well in `sqlite3`. A group's rows are replaced in one transaction,
/// so a crash leaves either the old or the new set, never half of each.
extension SQLiteStore: AlertStateStore {
    private static let columns =
        "group_key, rule, occurrence, labels, annotations, state, active_at, fired_at, resolved_at, "
        + "keep_firing_since, last_sent_at, valid_until"

    public func alertStates() async throws -> [StoredAlertState] {
        try await onWriter { writer in
            let select = try writer.connection.cached(
                "SELECT \(Self.columns) FROM alert_states ORDER BY group_key, rule, occurrence, labels")
            var result: [StoredAlertState] = []
            while try select.step() {
                guard let state = StoredAlertState.State(rawValue: select.string(5)) else {
                    throw InfermonError.storage("unknown alert state \(select.string(5))")
                }
                result.append(
                    StoredAlertState(
                        groupKey: select.string(0), rule: select.string(1), occurrence: Int(select.int64(2)),
                        labels: try LabelsText.decode(select.string(3)),
                        annotations: try AnnotationsText.decode(select.string(4)), state: state,
                        activeAt: select.int64(6), firedAt: select.optionalInt64(7),
                        resolvedAt: select.optionalInt64(8), keepFiringSince: select.optionalInt64(9),
                        lastSentAt: select.optionalInt64(10), validUntil: select.optionalInt64(11)))
            }
            return result
        }
    }

    public func replaceAlertStates(groupKey: String, with states: [StoredAlertState]) async throws {
        try await onWriter { writer in
            let connection = writer.connection
            try connection.transaction {
                let delete = try connection.cached("DELETE FROM alert_states WHERE group_key = ?")
                delete.bind(1, groupKey)
                try delete.run()
                let insert = try connection.cached(
                    "INSERT OR REPLACE INTO alert_states (\(Self.columns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
                for state in states {
                    insert.reset()
                    insert.bind(1, groupKey)
                    insert.bind(2, state.rule)
                    insert.bind(3, state.occurrence)
                    insert.bind(4, LabelsText.encode(state.labels))
                    insert.bind(5, AnnotationsText.encode(state.annotations))
                    insert.bind(6, state.state.rawValue)
                    insert.bind(7, state.activeAt)
                    insert.bind(8, state.firedAt)
                    insert.bind(9, state.resolvedAt)
                    insert.bind(10, state.keepFiringSince)
                    insert.bind(11, state.lastSentAt)
                    insert.bind(12, state.validUntil)
                    try insert.run()
                }
            }
        }
    }

    public func deleteAlertStates(exceptGroups groupKeys: Set<String>) async throws -> Int {
        try await onWriter { writer in
            let connection = writer.connection
            return try connection.transaction {
                let select = try connection.cached("SELECT DISTINCT group_key FROM alert_states")
                var stale: [String] = []
                while try select.step() {
                    let key = select.string(0)
                    if !groupKeys.contains(key) { stale.append(key) }
                }
                select.reset()
                var deleted = 0
                let delete = try connection.cached("DELETE FROM alert_states WHERE group_key = ?")
                for key in stale {
                    delete.reset()
                    delete.bind(1, key)
                    try delete.run()
                    deleted += connection.changes
                }
                return deleted
            }
        }
    }
}

extension Statement {
    fileprivate func optionalInt64(_ column: Int32) -> Int64? { isNull(column) ? nil : int64(column) }
}

/// Annotations in the labels' text form, keeping empty values (an annotation
/// may expand to nothing, and that is still its value).
package enum AnnotationsText {
    package static func encode(_ annotations: [String: String]) -> String {
        "{"
            + annotations.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(escapeLabelValue($0.value))\"" }
            .joined(separator: ", ") + "}"
    }

    package static func decode(_ text: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in try LabelsText.decodePairs(text, what: "annotations") { result[pair.name] = pair.value }
        return result
    }
}
