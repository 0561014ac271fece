import CSQLite
public import InfermonCore

/// Truth labels and their join with judged events. Labels are stored as they
/// arrive, keyed by request id, and joined at read time against the judgments'
/// request ids (indexed), so a label that comes before its event joins as soon
/// as the event is judged, and one that comes after joins at once; nothing has
/// to be rewritten when either side arrives.
///
/// Why the join target is the judged (sampled) events and not every event: the
/// event log has no request-id index (one would slow every append), and the
/// gold subset must be drawn from the events the scorer judged anyway.
extension SQLiteStore: GoldJudgmentStore {
    public func recordLabels(_ labels: [TruthLabel]) async throws -> Int {
        let sendable = UncheckedBox(labels)
        return try await onWriter { writer in
            let connection = writer.connection
            return try connection.transaction {
                try Self.insertLabels(sendable.value, connection: connection)
                return sendable.value.count
            }
        }
    }

    /// Inserts labels inside the caller's transaction: `recordLabels`, and an ingest
    /// batch's labels (a file source's label lines) with the batch's checkpoints.
    static func insertLabels(_ labels: [TruthLabel], connection: SQLiteConnection) throws {
        let insert = try connection.cached(
            """
            INSERT OR REPLACE INTO truth_labels (request_id, name, source, value, received_at)
            VALUES (?, ?, ?, ?, ?)
            """)
        for label in labels {
            insert.bind(1, label.requestID)
            insert.bind(2, label.name)
            insert.bind(3, label.source)
            switch label.value {
            case .bool(let flag): insert.bind(4, flag)
            case .number(let number): insert.bind(4, number)
            case .string(let text): insert.bind(4, text)
            }
            insert.bind(5, label.receivedAt)
            try insert.run()
        }
    }

    public func labelCounts(name: String, horizon: Int64, now: Timestamp) async throws -> TruthLabelCounts {
        try await onWriter { writer in
            let statement = try writer.connection.cached(
                """
                SELECT
                  COALESCE(SUM(joined), 0),
                  COALESCE(SUM(NOT joined AND received_at >= ?1), 0),
                  COALESCE(SUM(NOT joined AND received_at < ?1), 0)
                FROM (SELECT received_at,
                        EXISTS (SELECT 1 FROM judgments j WHERE j.request_id = l.request_id) AS joined
                      FROM truth_labels l WHERE l.name = ?2)
                """)
            statement.bind(1, now - horizon)
            statement.bind(2, name)
            guard try statement.step() else {
                return TruthLabelCounts(joined: 0, pending: 0, orphaned: 0, neverLabelled: 0)
            }
            let joined = Int(statement.int64(0))
            let pending = Int(statement.int64(1))
            let orphaned = Int(statement.int64(2))
            statement.reset()
            let never = try writer.connection.cached(
                """
                SELECT COUNT(DISTINCT j.event_id) FROM judgments j
                WHERE j.event_ts < ?1 AND j.event_ts >= ?3
                  AND NOT EXISTS (SELECT 1 FROM truth_labels l WHERE l.request_id = j.request_id AND l.name = ?2)
                """)
            never.bind(1, now - horizon)
            never.bind(2, name)
            never.bind(3, now - horizon - Self.neverLabelledWindow)
            defer { never.reset() }
            let neverLabelled = try never.step() ? Int(never.int64(0)) : 0
            return TruthLabelCounts(joined: joined, pending: pending, orphaned: orphaned, neverLabelled: neverLabelled)
        }
    }

    /// Never-labelled events are counted over the day before the horizon: a
    /// bounded, indexed range, as the count runs on the writer every pass and
    /// all retained judgments (30 days of samples) would hold ingest up.
    static let neverLabelledWindow: Int64 = 86_400_000

    public func pruneLabels(before: Timestamp) async throws -> Int {
        try await onWriter { writer in
            let statement = try writer.connection.cached("DELETE FROM truth_labels WHERE received_at < ?")
            statement.bind(1, before)
            try statement.run()
            return writer.connection.changes
        }
    }

    public func scoredEvents(policy: GoldPolicy, from: Timestamp, through: Timestamp) async throws -> [ScoredEvent] {
        try await onWriter { writer in
            struct Row {
                var model: String
                var route: String
                var score: Double?
                var verdict: Verdict = .unknown
                var scored = false
                var gold: [String: Double] = [:]
            }
            var rows: [Int64: Row] = [:]
            let judged = try writer.connection.cached(
                """
                SELECT event_id, model, route, judge, verdict, score FROM judgments
                WHERE event_ts >= ? AND event_ts <= ? AND NOT failed
                """)
            judged.bind(1, from)
            judged.bind(2, through)
            while try judged.step() {
                let id = judged.int64(0)
                let judge = judged.string(3)
                let verdict = Verdict(rawValue: judged.string(4)) ?? .unknown
                var row = rows[id] ?? Row(model: judged.string(1), route: judged.string(2))
                if judge == policy.scorer {
                    row.scored = true
                    row.score = judged.optionalDouble(5)
                    row.verdict = verdict
                } else if policy.sources.contains(judge), verdict != .unknown {
                    row.gold["judge:" + judge] = verdict == .hallucinated ? 1 : 0
                }
                rows[id] = row
            }
            judged.reset()
            let labelled = try writer.connection.cached(
                """
                SELECT DISTINCT j.event_id, l.source, l.value FROM judgments j
                JOIN truth_labels l ON l.request_id = j.request_id AND l.name = ?
                WHERE j.event_ts >= ? AND j.event_ts <= ?
                """)
            labelled.bind(1, policy.labelName)
            labelled.bind(2, from)
            labelled.bind(3, through)
            while try labelled.step() {
                let id = labelled.int64(0)
                guard rows[id] != nil, let value = Self.truthValue(labelled, column: 2)?.unitValue else { continue }
                rows[id]?.gold["label:" + labelled.string(1)] = value
            }
            labelled.reset()
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
        try await onWriter { writer in
            let statement = try writer.connection.cached(
                "SELECT document FROM score_calibrations ORDER BY model, route")
            var documents: [String] = []
            while try statement.step() { documents.append(statement.string(0)) }
            statement.reset()
            return documents
        }
    }

    public func storeCalibration(model: String, route: String, document: String, at: Timestamp) async throws {
        try await onWriter { writer in
            let statement = try writer.connection.cached(
                "INSERT OR REPLACE INTO score_calibrations (model, route, document, fitted_at) VALUES (?, ?, ?, ?)")
            statement.bind(1, model)
            statement.bind(2, route)
            statement.bind(3, document)
            statement.bind(4, at)
            try statement.run()
        }
    }

    static func truthValue(_ statement: Statement, column: Int32) -> TruthValue? {
        switch statement.columnType(column) {
        case SQLITE_INTEGER: .bool(statement.int64(column) != 0)
        case SQLITE_FLOAT: .number(statement.double(column))
        case SQLITE_TEXT: .string(statement.string(column))
        default: nil
        }
    }
}
