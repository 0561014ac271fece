public import InfermonCore
import Logging
import PostgresNIO
import Store

/// Prediction events joined with their late labels, for the performance stage,
/// as `SQLiteStore` answers them: the join runs at read time from the events'
/// side (each event's newest label by the label table's primary key), and
/// finding events from labels uses a partial index on the request id of
/// events that carry a prediction (schema step 4), so LLM traffic pays nothing.
///
/// Backfilled samples go into `samples` itself: its rows are keyed by
/// (series, time) and may be written in any order, so a rewritten window's
/// sample simply replaces the one there, and every reader sees it as it sees
/// appended samples (SQLite keeps them apart only because its chunks are
/// append-only).
extension PostgresStore: PredictionStore, BackfillAppender {
    /// Events that carry a prediction of any kind, as SQLite's `prediction IS NOT NULL`.
    static let hasPrediction = "(e.prediction_number IS NOT NULL OR e.prediction_text IS NOT NULL)"

    public func labelledPredictions(
        labelName: String, horizon: Int64, from: Timestamp, through: Timestamp, model: String?
    ) async throws -> [LabelledPrediction] {
        try readers.withConnection { connection in
            // Text predictions are read too: SQLite's column turns a numeric text into a
            // number on insert, so "0.7" is a prediction there; `numericText` keeps that.
            let rows = try connection.rows(
                """
                SELECT e.ts, k.model, e.prediction_number, e.prediction_text, e.label_number, e.label_text,
                  l.value_number, l.value_text
                FROM events e JOIN event_keys k ON k.id = e.key_id
                LEFT JOIN LATERAL (
                  SELECT t.value_number, t.value_text FROM truth_labels t
                  WHERE e.request_id IS NOT NULL AND t.request_id = e.request_id AND t.name = \(labelName)
                    AND t.received_at >= e.ts - \(horizon) AND t.received_at <= e.ts + \(horizon)
                  ORDER BY t.received_at DESC LIMIT 1) l ON true
                WHERE e.ts >= \(from) AND e.ts <= \(through)
                  AND (e.prediction_number IS NOT NULL OR e.prediction_text ~ \(Self.numericPattern))
                  AND (\(model)::text IS NULL OR k.model = \(model))
                ORDER BY e.ts, e.id
                """, logger: logger)
            var result: [LabelledPrediction] = []
            result.reserveCapacity(rows.count)
            for row in rows {
                let (time, name, number, text, labelNumber, labelText, truthNumber, truthText) = try row.decode(
                    (Int64, String, Double?, String?, Double?, String?, Double?, String?).self)
                guard let prediction = number ?? text.flatMap(Self.numericText) else { continue }
                let truth =
                    Self.eventLabel(number: labelNumber, text: labelText)
                    ?? Self.truthLabelValue(number: truthNumber, text: truthText)
                result.append(LabelledPrediction(timestamp: time, model: name, prediction: prediction, truth: truth))
            }
            return result
        }
    }

    public func predictionTimesLabelled(labelName: String, receivedSince since: Timestamp) async throws
        -> [Timestamp]
    {
        try readers.withConnection { connection in
            try connection.rows(
                """
                SELECT DISTINCT e.ts FROM truth_labels l
                JOIN events e ON e.request_id = l.request_id
                WHERE l.name = \(labelName) AND l.received_at >= \(since)
                  AND e.request_id IS NOT NULL AND \(unescaped: Self.hasPrediction)
                """, logger: logger
            ).map { try $0.decode(Int64.self) }
        }
    }

    public func predictionLabelCounts(labelName: String, horizon: Int64, now: Timestamp) async throws
        -> TruthLabelCounts
    {
        try readers.withConnection { connection in
            let labels = try connection.rows(
                """
                SELECT count(*) FILTER (WHERE joined), count(*) FILTER (WHERE NOT joined AND received_at >= \(now - horizon)),
                  count(*) FILTER (WHERE NOT joined AND received_at < \(now - horizon))
                FROM (SELECT l.received_at,
                        EXISTS (SELECT 1 FROM events e WHERE e.request_id = l.request_id
                                AND e.request_id IS NOT NULL AND \(unescaped: Self.hasPrediction)) AS joined
                      FROM truth_labels l WHERE l.name = \(labelName)) AS labelled
                """, logger: logger)
            guard let first = labels.first else {
                return TruthLabelCounts(joined: 0, pending: 0, orphaned: 0, neverLabelled: 0)
            }
            let (joined, pending, orphaned) = try first.decode((Int64, Int64, Int64).self)
            let never =
                try connection.rows(
                    """
                    SELECT count(*) FROM events e
                    WHERE e.ts < \(now - horizon) AND e.ts >= \(now - horizon - Self.neverLabelledWindow)
                      AND \(unescaped: Self.hasPrediction) AND e.label_number IS NULL AND e.label_text IS NULL
                      AND NOT EXISTS (SELECT 1 FROM truth_labels l
                                      WHERE e.request_id IS NOT NULL AND l.request_id = e.request_id
                                        AND l.name = \(labelName))
                    """, logger: logger
                ).first?.decode(Int64.self) ?? 0
            return TruthLabelCounts(
                joined: Int(joined), pending: Int(pending), orphaned: Int(orphaned), neverLabelled: Int(never))
        }
    }

    public func pruneLabels(named labelName: String, before: Timestamp) async throws -> Int {
        try await onWriter { [logger] connection, _ in
            try await Self.count(
                connection.query(
                    "DELETE FROM truth_labels WHERE name = \(labelName) AND received_at < \(before) RETURNING 1",
                    logger: logger))
        }
    }

    public func upsert(_ samples: [(labels: Labels, sample: Sample)]) async throws {
        for (labels, _) in samples where (labels.name ?? "").isEmpty {
            throw InfermonError.invalidArgument("sample without a metric name: \(labels)")
        }
        let box = UncheckedSendableBox(samples)
        try await inTransaction { [logger] connection in
            // One row per (series, time), the last given winning, as SQLite's INSERT OR REPLACE:
            // one INSERT … ON CONFLICT may not touch a row twice.
            var ids: [Labels: Int64] = [:]
            var latest: [PostgresSampleKey: Double] = [:]
            var order: [PostgresSampleKey] = []
            for (labels, sample) in box.value {
                let id: Int64
                if let known = ids[labels] {
                    id = known
                } else {
                    id = try await Self.seriesID(labels, connection: connection, logger: logger)
                    ids[labels] = id
                }
                let key = PostgresSampleKey(series: id, time: sample.timestamp)
                if latest.updateValue(sample.value, forKey: key) == nil { order.append(key) }
            }
            guard !order.isEmpty else { return }
            let (series, times, values) = (order.map(\.series), order.map(\.time), order.map { latest[$0]! })
            try await connection.query(
                """
                INSERT INTO samples (series_id, ts, value)
                SELECT * FROM unnest(\(series)::bigint[], \(times)::bigint[], \(values)::float8[])
                ON CONFLICT (series_id, ts) DO UPDATE SET value = excluded.value
                """, logger: logger)
        }
    }

    /// The series' id, created when new (as the batch writer names series).
    private static func seriesID(_ labels: Labels, connection: PostgresConnection, logger: Logger) async throws
        -> Int64
    {
        let text = labelsText(labels)
        try await connection.query(
            """
            INSERT INTO series (name, labels, label_names, label_values)
            VALUES (\(labels.name ?? ""), \(text), \(labels.pairs.map(\.name))::text[],
              \(labels.pairs.map(\.value))::text[]) ON CONFLICT (labels) DO NOTHING
            """, logger: logger)
        for try await id in try await connection.query("SELECT id FROM series WHERE labels = \(text)", logger: logger)
            .decode(Int64.self)
        {
            return id
        }
        throw InfermonError.storage("series \(labels) vanished")
    }

    // MARK: Values as SQLite reads them

    /// A text SQLite's numeric column affinity stores as a number: an integer or
    /// real literal, spaces around it allowed (not `inf`, `nan` or hexadecimal).
    static let numericPattern = #"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"#

    static func numericText(_ text: String) -> Double? {
        let trimmed = text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
        let literal = String(trimmed)
        guard literal.contains(where: \.isNumber),
            literal.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) })
        else { return nil }
        return Double(literal)
    }

    /// The event's own label: a number, or a text that SQLite would have stored as one.
    static func eventLabel(number: Double?, text: String?) -> TruthValue? {
        if let number { return .number(number) }
        guard let text else { return nil }
        return numericText(text).map(TruthValue.number) ?? .string(text)
    }
}

/// One named-series sample slot.
private struct PostgresSampleKey: Hashable {
    var series: Int64
    var time: Timestamp
}
