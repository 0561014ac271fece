import CSQLite
public import InfermonCore

/// Prediction events joined with their late labels, for the performance stage.
///
/// The join runs at read time from the events' side (a window's events by
/// `events_ts`, each one's label by the label table's primary key), so a label
/// that arrives before its event joins as soon as the event is stored and one
/// that arrives after joins at once. Finding events from labels (orphans, the
/// windows a new label touches) uses a partial index on the request id of
/// events that carry a prediction only, so LLM traffic pays nothing for it.
extension SQLiteStore: PredictionStore, BackfillAppender {
    public func labelledPredictions(
        labelName: String, horizon: Int64, from: Timestamp, through: Timestamp, model: String?
    ) async throws -> [LabelledPrediction] {
        try withReadConnection { connection in
            defer { connection.resetCachedStatements() }
            let statement = try connection.cached(
                """
                SELECT e.ts, k.model, e.prediction, e.label,
                  (SELECT l.value FROM truth_labels l
                   WHERE e.request_id IS NOT NULL AND l.request_id = e.request_id AND l.name = ?1
                     AND l.received_at >= e.ts - ?2 AND l.received_at <= e.ts + ?2
                   ORDER BY l.received_at DESC LIMIT 1)
                FROM events e JOIN event_keys k ON k.id = e.key_id
                WHERE e.ts >= ?3 AND e.ts <= ?4 AND typeof(e.prediction) IN ('integer', 'real')
                  AND (?5 IS NULL OR k.model = ?5)
                ORDER BY e.ts
                """)
            statement.bind(1, labelName)
            statement.bind(2, horizon)
            statement.bind(3, from)
            statement.bind(4, through)
            statement.bind(5, model)
            var result: [LabelledPrediction] = []
            while try statement.step() {
                // The event's own label first. Its column has numeric affinity, so 102.0 comes
                // back an integer: read integers there as numbers, not as booleans.
                let truth = Self.eventLabel(statement, column: 3) ?? Self.truthValue(statement, column: 4)
                result.append(
                    LabelledPrediction(
                        timestamp: statement.int64(0), model: statement.string(1), prediction: statement.double(2),
                        truth: truth))
            }
            return result
        }
    }

    public func predictionTimesLabelled(labelName: String, receivedSince since: Timestamp) async throws
        -> [Timestamp]
    {
        try withReadConnection { connection in
            defer { connection.resetCachedStatements() }
            let statement = try connection.cached(
                """
                SELECT DISTINCT e.ts FROM truth_labels l
                JOIN events e ON e.request_id = l.request_id
                WHERE l.name = ? AND l.received_at >= ?
                  AND e.request_id IS NOT NULL AND e.prediction IS NOT NULL
                """)
            statement.bind(1, labelName)
            statement.bind(2, since)
            var times: [Timestamp] = []
            while try statement.step() { times.append(statement.int64(0)) }
            return times
        }
    }

    public func predictionLabelCounts(labelName: String, horizon: Int64, now: Timestamp) async throws
        -> TruthLabelCounts
    {
        try withReadConnection { connection in
            defer { connection.resetCachedStatements() }
            let labels = try connection.cached(
                """
                SELECT
                  COALESCE(SUM(joined), 0),
                  COALESCE(SUM(NOT joined AND received_at >= ?1), 0),
                  COALESCE(SUM(NOT joined AND received_at < ?1), 0)
                FROM (SELECT received_at,
                        EXISTS (SELECT 1 FROM events e WHERE e.request_id = l.request_id
                                AND e.request_id IS NOT NULL AND e.prediction IS NOT NULL) AS joined
                      FROM truth_labels l WHERE l.name = ?2)
                """)
            labels.bind(1, now - horizon)
            labels.bind(2, labelName)
            guard try labels.step() else {
                return TruthLabelCounts(joined: 0, pending: 0, orphaned: 0, neverLabelled: 0)
            }
            let joined = Int(labels.int64(0))
            let pending = Int(labels.int64(1))
            let orphaned = Int(labels.int64(2))
            let never = try connection.cached(
                """
                SELECT COUNT(*) FROM events e
                WHERE e.ts < ?1 AND e.ts >= ?3 AND e.prediction IS NOT NULL AND e.label IS NULL
                  AND NOT EXISTS (SELECT 1 FROM truth_labels l
                                  WHERE e.request_id IS NOT NULL AND l.request_id = e.request_id AND l.name = ?2)
                """)
            never.bind(1, now - horizon)
            never.bind(2, labelName)
            never.bind(3, now - horizon - Self.neverLabelledWindow)
            let neverLabelled = try never.step() ? Int(never.int64(0)) : 0
            return TruthLabelCounts(joined: joined, pending: pending, orphaned: orphaned, neverLabelled: neverLabelled)
        }
    }

    public func pruneLabels(named labelName: String, before: Timestamp) async throws -> Int {
        try await onWriter { writer in
            let statement = try writer.connection.cached("DELETE FROM truth_labels WHERE name = ? AND received_at < ?")
            statement.bind(1, labelName)
            statement.bind(2, before)
            try statement.run()
            return writer.connection.changes
        }
    }

    public func upsert(_ samples: [(labels: Labels, sample: Sample)]) async throws {
        let sendable = UncheckedBox(samples)
        try await onWriter { writer in
            let connection = writer.connection
            try connection.transaction {
                let insertSeries = try connection.cached(
                    "INSERT INTO series (name, labels) VALUES (?, ?) ON CONFLICT(labels) DO NOTHING")
                let findSeries = try connection.cached("SELECT id FROM series WHERE labels = ?")
                let insertSample = try connection.cached(
                    "INSERT OR REPLACE INTO backfilled_samples (series_id, ts, value) VALUES (?, ?, ?)")
                var ids: [Labels: Int64] = [:]
                for (labels, sample) in sendable.value {
                    guard let name = labels.name, !name.isEmpty else {
                        throw InfermonError.invalidArgument("sample without a metric name: \(labels)")
                    }
                    let id: Int64
                    if let known = ids[labels] {
                        id = known
                    } else {
                        let text = LabelsText.encode(labels)
                        insertSeries.bind(1, name)
                        insertSeries.bind(2, text)
                        try insertSeries.run()
                        findSeries.bind(1, text)
                        guard try findSeries.step() else { throw InfermonError.storage("series \(labels) vanished") }
                        id = findSeries.int64(0)
                        findSeries.reset()
                        ids[labels] = id
                    }
                    insertSample.bind(1, id)
                    insertSample.bind(2, sample.timestamp)
                    insertSample.bind(3, sample.value)
                    try insertSample.run()
                }
            }
        }
    }

    static func eventLabel(_ statement: Statement, column: Int32) -> TruthValue? {
        statement.columnType(column) == SQLITE_INTEGER
            ? .number(Double(statement.int64(column))) : truthValue(statement, column: column)
    }
}
