public import InfermonCore
import Logging
import PostgresNIO
import Store

/// Truth labels and their join with judged events, as `SQLiteStore` answers
/// them: labels are stored as they arrive, keyed by request id, and joined at
/// read time against the judgments' request ids (indexed), so a label that
/// comes before its event joins once the event is judged and one that comes
/// after joins at once; nothing is rewritten when either side arrives.
///
/// SQLite keeps a label's value in one column of any type; here a number goes
/// to `value_number`, a text to `value_text`, and a boolean to both (1/0 and
/// `true`/`false`), so it reads back as a boolean, as SQLite's integer does,
/// while SQL that only looks at `value_number` still sees SQLite's 1/0.
extension PostgresStore: GoldJudgmentStore {
    public func recordLabels(_ labels: [TruthLabel]) async throws -> Int {
        let box = UncheckedSendableBox(labels)
        try await inTransaction { [logger] connection in
            try await Self.insertLabels(box.value, connection: connection, logger: logger)
        }
        return labels.count
    }

    /// Inserts labels inside the caller's transaction: `recordLabels`, and an ingest
    /// batch's labels (a file source's label lines) with the batch's checkpoints.
    /// One statement may not change a row twice, so of labels with the same key the
    /// last one given is kept, as SQLite's INSERT OR REPLACE in order keeps it.
    static func insertLabels(_ labels: [TruthLabel], connection: PostgresConnection, logger: Logger) async throws {
        guard !labels.isEmpty else { return }
        struct Key: Hashable {
            var requestID, name, source: String
        }
        var latest: [Key: Int] = [:]
        for (index, label) in labels.enumerated() {
            latest[Key(requestID: label.requestID, name: label.name, source: label.source)] = index
        }
        let kept = latest.values.sorted().map { labels[$0] }
        var start = 0
        while start < kept.count {
            let slice = kept[start..<min(start + rowsPerStatement, kept.count)]
            var bindings = PostgresBindings()
            var tuples: [String] = []
            for label in slice {
                let (number, text) = storedValue(label.value)
                let first = bindings.count + 1
                bindings.append(label.requestID)
                bindings.append(label.name)
                bindings.append(label.source)
                if let number { bindings.append(number) } else { bindings.appendNull() }
                if let text { bindings.append(text) } else { bindings.appendNull() }
                bindings.append(label.receivedAt)
                tuples.append("(" + (first..<first + 6).map { "$\($0)" }.joined(separator: ", ") + ")")
            }
            let sql = """
                INSERT INTO truth_labels (request_id, name, source, value_number, value_text, received_at)
                VALUES \(tuples.joined(separator: ", "))
                ON CONFLICT (request_id, name, source) DO UPDATE SET value_number = excluded.value_number,
                  value_text = excluded.value_text, received_at = excluded.received_at
                """
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            start += slice.count
        }
    }

    /// Rows per INSERT (PostgreSQL takes at most 65,535 parameters, six a label).
    static let rowsPerStatement = 1000

    /// A label's value in the two columns. NaN is stored as no value, as SQLite stores it.
    static func storedValue(_ value: TruthValue) -> (number: Double?, text: String?) {
        switch value {
        case .bool(let flag): (flag ? 1 : 0, flag ? "true" : "false")
        case .number(let number): (number.isNaN ? nil : number, nil)
        case .string(let text): (nil, text)
        }
    }

    /// A stored label's value: both columns set is a boolean (see `storedValue`).
    static func truthLabelValue(number: Double?, text: String?) -> TruthValue? {
        switch (number, text) {
        case (let number?, _?): .bool(number != 0)
        case (let number?, nil): .number(number)
        case (nil, let text?): .string(text)
        case (nil, nil): nil
        }
    }

    public func labelCounts(name: String, horizon: Int64, now: Timestamp) async throws -> TruthLabelCounts {
        let since = now - horizon
        let windowStart = since - Self.neverLabelledWindow
        return try readers.withConnection { connection in
            let counts = try connection.rows(
                """
                SELECT count(*) FILTER (WHERE joined), count(*) FILTER (WHERE NOT joined AND received_at >= \(since)),
                  count(*) FILTER (WHERE NOT joined AND received_at < \(since))
                FROM (SELECT received_at,
                        EXISTS (SELECT 1 FROM judgments j WHERE j.request_id = l.request_id) AS joined
                      FROM truth_labels l WHERE l.name = \(name)) labels
                """, logger: logger
            ).first?.decode((Int64, Int64, Int64).self)
            let never =
                try connection.rows(
                    """
                    SELECT count(DISTINCT j.event_id) FROM judgments j
                    WHERE j.event_ts < \(since) AND j.event_ts >= \(windowStart)
                      AND NOT EXISTS (SELECT 1 FROM truth_labels l WHERE l.request_id = j.request_id
                                      AND l.name = \(name))
                    """, logger: logger
                ).first?.decode(Int64.self) ?? 0
            return TruthLabelCounts(
                joined: Int(counts?.0 ?? 0), pending: Int(counts?.1 ?? 0), orphaned: Int(counts?.2 ?? 0),
                neverLabelled: Int(never))
        }
    }

    /// Never-labelled events are counted over the day before the horizon, as SQLite counts them.
    static let neverLabelledWindow: Int64 = 86_400_000

    public func pruneLabels(before: Timestamp) async throws -> Int {
        try await onWriter { [logger] connection, _ in
            try await Self.count(
                connection.query("DELETE FROM truth_labels WHERE received_at < \(before) RETURNING 1", logger: logger))
        }
    }

    public func scoredEvents(policy: GoldPolicy, from: Timestamp, through: Timestamp) async throws -> [ScoredEvent] {
        struct Row {
            var model: String
            var route: String
            var score: Double?
            var verdict: Verdict = .unknown
            var scored = false
            var gold: [String: Double] = [:]
        }
        return try readers.withConnection { connection in
            var rows: [Int64: Row] = [:]
            for cells in try connection.rows(
                """
                SELECT event_id, model, route, judge, verdict, score FROM judgments
                WHERE event_ts >= \(from) AND event_ts <= \(through) AND NOT failed
                """, logger: logger)
            {
                let (id, model, route, judge, stored, score) = try cells.decode(
                    (Int64, String, String, String, String, Double?).self)
                let verdict = Verdict(rawValue: stored) ?? .unknown
                var row = rows[id] ?? Row(model: model, route: route)
                if judge == policy.scorer {
                    row.scored = true
                    row.score = score
                    row.verdict = verdict
                } else if policy.sources.contains(judge), verdict != .unknown {
                    row.gold["judge:" + judge] = verdict == .hallucinated ? 1 : 0
                }
                rows[id] = row
            }
            for cells in try connection.rows(
                """
                SELECT DISTINCT j.event_id, l.source, l.value_number, l.value_text FROM judgments j
                JOIN truth_labels l ON l.request_id = j.request_id AND l.name = \(policy.labelName)
                WHERE j.event_ts >= \(from) AND j.event_ts <= \(through)
                """, logger: logger)
            {
                let (id, source, number, text) = try cells.decode((Int64, String, Double?, String?).self)
                guard rows[id] != nil, let value = Self.truthLabelValue(number: number, text: text)?.unitValue
                else { continue }
                rows[id]?.gold["label:" + source] = value
            }
            var result: [ScoredEvent] = []
            for (id, row) in rows.sorted(by: { $0.key < $1.key }) {
                var gold: Double?
                for source in policy.sources {
                    if let value = row.gold["label:" + source] ?? row.gold["judge:" + source] {
                        gold = value
                        break
                    }
                }
                guard row.scored || gold != nil else { continue }
                result.append(
                    ScoredEvent(
                        eventID: id, model: row.model, route: row.route, score: row.scored ? row.score : nil,
                        verdict: row.scored ? row.verdict : .unknown, gold: gold))
            }
            return result
        }
    }

    public func calibrations() async throws -> [String] {
        try readers.withConnection { connection in
            try connection.rows(
                "SELECT document FROM score_calibrations ORDER BY model COLLATE \"C\", route COLLATE \"C\"",
                logger: logger
            ).map { try $0.decode(String.self) }
        }
    }

    public func storeCalibration(model: String, route: String, document: String, at: Timestamp) async throws {
        try await onWriter { [logger] connection, _ in
            _ = try await connection.query(
                """
                INSERT INTO score_calibrations (model, route, document, fitted_at)
                VALUES (\(model), \(route), \(document), \(at))
                ON CONFLICT (model, route) DO UPDATE SET document = excluded.document, fitted_at = excluded.fitted_at
                """, logger: logger)
        }
    }
}
