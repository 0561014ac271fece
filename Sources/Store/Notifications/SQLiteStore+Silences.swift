public import InfermonCore

/// Silences in SQLite. Matchers are kept in their text form
/// (`{alertname="X", severity=~"warn.*"}`) so the table reads well in `sqlite3`.
extension SQLiteStore: SilenceStore {
    public func saveSilence(_ silence: Silence) async throws {
        try await onWriter { writer in
            let upsert = try writer.connection.cached(
                "INSERT OR REPLACE INTO silences (id, matchers, starts_at, ends_at, created_by, comment, updated_at) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?)")
            upsert.bind(1, silence.id)
            upsert.bind(2, "{" + silence.matchers.map(\.description).joined(separator: ", ") + "}")
            upsert.bind(3, silence.startsAt)
            upsert.bind(4, silence.endsAt)
            upsert.bind(5, silence.createdBy)
            upsert.bind(6, silence.comment)
            upsert.bind(7, silence.updatedAt)
            try upsert.run()
        }
    }

    public func silences() async throws -> [Silence] {
        try await onWriter { writer in
            let select = try writer.connection.cached(
                "SELECT id, matchers, starts_at, ends_at, created_by, comment, updated_at FROM silences ORDER BY rowid")
            var result: [Silence] = []
            while try select.step() {
                result.append(
                    Silence(
                        id: select.string(0), matchers: try LabelMatcher.parseList(select.string(1)),
                        startsAt: select.int64(2), endsAt: select.int64(3), createdBy: select.string(4),
                        comment: select.string(5), updatedAt: select.int64(6)))
            }
            return result
        }
    }

    public func deleteSilences(endedBefore cutoff: Timestamp) async throws -> Int {
        try await onWriter { writer in
            let delete = try writer.connection.cached("DELETE FROM silences WHERE ends_at < ?")
            delete.bind(1, cutoff)
            try delete.run()
            return writer.connection.changes
        }
    }
}
