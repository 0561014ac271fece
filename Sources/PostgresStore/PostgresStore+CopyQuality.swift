import InfermonCore
import Logging
import PostgresNIO
import Store

/// What `infermon store copy` carries over for the quality stage: truth labels
/// and calibrations as they are, judgments and the sampler's scan cursors
/// under the copied events' new ids.
///
/// Judgments are keyed by their event's id, which the copy changes (PostgreSQL
/// draws its own from a sequence). So each chunk of events draws its ids
/// first, copies the events under them, and in the same transaction stores
/// the judgments of those events and moves each scan cursor to the new id of
/// the last copied event at or before its SQLite position: a resumed copy can
/// never hold judgments without their events, or a cursor past unjudged ones.
/// Judgments whose event retention already removed (judgments are kept
/// longer) go in afterwards under their SQLite id negated, which no event
/// ever takes; they still count in the rates and the calibration.
extension StoreCopyRun {
    /// Copied as they are; the SQLite cursor of `truth_labels` is its key in one text.
    static let qualityTables: [PlainTable] = [
        PlainTable(
            table: CopyTable(
                name: "truth_labels",
                columns: [
                    (labelKey, .text), ("request_id", .text), ("name", .text), ("source", .text),
                    ("CASE WHEN typeof(value) IN ('integer', 'real') THEN value END", .real),
                    (
                        "CASE typeof(value) WHEN 'text' THEN value "
                            + "WHEN 'integer' THEN CASE WHEN value != 0 THEN 'true' ELSE 'false' END END", .text
                    ),
                    ("received_at", .int),
                ], cursor: labelKey, order: labelKey),
            skip: 1, target: ["request_id", "name", "source", "value_number", "value_text", "received_at"],
            conflict: """
                ON CONFLICT (request_id, name, source) DO UPDATE SET value_number = excluded.value_number,
                  value_text = excluded.value_text, received_at = excluded.received_at
                WHERE excluded.received_at >= truth_labels.received_at
                """),
        PlainTable(
            table: CopyTable(
                name: "score_calibrations",
                columns: [("model", .text), ("route", .text), ("document", .text), ("fitted_at", .int)],
                order: "model, route"),
            target: ["model", "route", "document", "fitted_at"],
            conflict: """
                ON CONFLICT (model, route) DO UPDATE SET document = excluded.document, fitted_at = excluded.fitted_at
                WHERE excluded.fitted_at > score_calibrations.fitted_at
                """),
    ]

    /// A label's key as one text, for paging (unit separators between the parts).
    static let labelKey = "request_id || char(31) || name || char(31) || source"

    /// The judgments and cursors that go with the events in (`after`, `through`].
    /// With `--append` the target's own cursors stay: its daemons may have written
    /// events between the copied ones, and a moved cursor would pass them.
    mutating func qualityOfEvents(after: Int64, through: Int64) throws -> CopiedEventQuality {
        let judgments = try source.judgments(eventsAfter: after, through: through)
        let cursors = options.append ? [] : try source.judgeCursors().filter { $0.position > after }
        let total = (Int64(markers["rows.judgments"] ?? "0") ?? 0) + Int64(judgments.count)
        markers["rows.judgments"] = String(total)
        return CopiedEventQuality(judgments: judgments, cursors: cursors, judgmentRows: total)
    }

    mutating func copyJudgmentsWithoutEvents() async throws {
        try await copyTable("judgments") { run, cursor in
            let judgments = try run.source.judgmentsWithoutEvents(
                after: Int64(cursor ?? "0") ?? 0, limit: run.options.batchRows)
            guard let last = judgments.last else { return nil }
            let moved = judgments.map { judgment -> Judgment in
                var copy = judgment
                copy.eventID = -judgment.eventID
                return copy
            }
            return CopyChunk(rows: moved.count, cursor: String(last.eventID)) { connection, logger in
                try await PostgresStore.insertJudgments(moved, connection: connection, logger: logger)
            }
        }
    }

    /// Event ids for a chunk, drawn in one statement after the transaction took
    /// its own id (the quality sampler's scan fence relies on that order).
    static func drawEventIDs(_ count: Int, _ connection: PostgresConnection, _ logger: Logger) async throws -> [Int64] {
        try await connection.query("SELECT txid_current()", logger: logger)
        var ids: [Int64] = []
        for try await id in try await connection.query(
            "SELECT nextval('events_id_seq') FROM generate_series(1, \(Int64(count)))", logger: logger
        ).decode(Int64.self) { ids.append(id) }
        return ids.sorted()
    }
}

/// The quality rows that commit with one chunk of copied events.
struct CopiedEventQuality: Sendable {
    var judgments: [Judgment]
    var cursors: [(name: String, position: Int64)]
    /// Judgments copied so far, this chunk's included (the `store_copy.rows.judgments` marker).
    var judgmentRows: Int64

    /// Writes them, `sourceIDs[i]` (SQLite, ascending) having become `targetIDs[i]`.
    func write(sourceIDs: [Int64], targetIDs: [Int64], _ connection: PostgresConnection, _ logger: Logger)
        async throws
    {
        let target = Dictionary(zip(sourceIDs, targetIDs)) { first, _ in first }
        let moved = judgments.compactMap { judgment -> Judgment? in
            guard let id = target[judgment.eventID] else { return nil }
            var copy = judgment
            copy.eventID = id
            return copy
        }
        try await PostgresStore.insertJudgments(moved, connection: connection, logger: logger)
        for (name, position) in cursors {
            // The last copied event at or before the cursor: everything up to it was scanned.
            guard let index = sourceIDs.lastIndex(where: { $0 <= position }) else { continue }
            try await connection.query(
                """
                INSERT INTO judge_cursors (name, event_id) VALUES (\(name), \(targetIDs[index]))
                ON CONFLICT (name) DO UPDATE SET event_id = GREATEST(judge_cursors.event_id, excluded.event_id)
                """, logger: logger)
        }
        try await connection.query(
            """
            INSERT INTO settings (name, value) VALUES (\(StoreCopy.marker + "rows.judgments"), \(String(judgmentRows)))
            ON CONFLICT (name) DO UPDATE SET value = excluded.value
            """, logger: logger)
    }
}
