public import InfermonCore

/// Judgments of sampled events. Every call runs on the writer queue: the reads
/// are small (a page of the event log, a few grouped counts), and sharing the
/// writer's connection means a scan always sees the batches committed before it.
extension SQLiteStore: JudgmentStore {
    public func scanEvents(afterEventID: Int64, limit: Int) async throws -> [JudgeScanRow] {
        try await onWriter { writer in
            let connection = writer.connection
            var cursor = afterEventID
            let newest = try connection.scalarInt("SELECT COALESCE(MAX(id), 0) FROM events")
            if newest < cursor { cursor = 0 }
            let statement = try connection.cached(
                """
                SELECT e.id, e.request_id, e.ts, k.model, k.route,
                  COALESCE(LENGTH(t.response), 0) > 0, COALESCE(LENGTH(t.context), 0) > 0
                FROM events e JOIN event_keys k ON k.id = e.key_id LEFT JOIN event_texts t ON t.event_id = e.id
                WHERE e.id > ? ORDER BY e.id LIMIT ?
                """)
            statement.bind(1, cursor)
            statement.bind(2, limit)
            var rows: [JudgeScanRow] = []
            while try statement.step() {
                rows.append(
                    JudgeScanRow(
                        eventID: statement.int64(0), requestID: statement.optionalString(1),
                        timestamp: statement.int64(2), model: statement.string(3), route: statement.string(4),
                        hasResponse: statement.int64(5) != 0, hasContext: statement.int64(6) != 0))
            }
            statement.reset()
            return rows
        }
    }

    public func candidates(eventIDs: [Int64]) async throws -> [JudgeCandidate] {
        try await onWriter { writer in
            let statement = try writer.connection.cached(
                """
                SELECT e.id, e.request_id, e.ts, k.model, k.route, infermon_text(t.prompt), infermon_text(t.response),
                  infermon_text(t.context), e.feedback
                FROM events e JOIN event_keys k ON k.id = e.key_id LEFT JOIN event_texts t ON t.event_id = e.id
                WHERE e.id = ?
                """)
            var result: [JudgeCandidate] = []
            for id in eventIDs {
                statement.reset()
                statement.bind(1, id)
                guard try statement.step() else { continue }
                let timestamp = statement.int64(2)
                let model = statement.string(3)
                let route = statement.string(4)
                result.append(
                    JudgeCandidate(
                        eventID: id, requestID: statement.optionalString(1) ?? "\(timestamp)|\(model)|\(route)",
                        timestamp: timestamp, model: model, route: route, prompt: statement.optionalString(5),
                        response: statement.optionalString(6), context: statement.optionalString(7),
                        feedback: statement.optionalDouble(8)))
            }
            statement.reset()
            return result
        }
    }

    public func judgeCursor(_ cursor: String) async throws -> Int64 {
        try await onWriter { writer in
            let statement = try writer.connection.cached("SELECT event_id FROM judge_cursors WHERE name = ?")
            statement.bind(1, cursor)
            defer { statement.reset() }
            return try statement.step() ? statement.int64(0) : 0
        }
    }

    public func record(_ judgments: [Judgment], cursor: String, position: Int64) async throws {
        let sendable = UncheckedBox(judgments)
        try await onWriter { writer in
            let connection = writer.connection
            try connection.transaction {
                let insert = try connection.cached(
                    """
                    INSERT OR REPLACE INTO judgments (event_id, judge, request_id, event_ts, judged_at, model, route,
                      verdict, score, reason, cost, failed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                    """)
                for judgment in sendable.value {
                    insert.bind(1, judgment.eventID)
                    insert.bind(2, judgment.judge)
                    insert.bind(3, judgment.requestID)
                    insert.bind(4, judgment.eventTimestamp)
                    insert.bind(5, judgment.judgedAt)
                    insert.bind(6, judgment.model)
                    insert.bind(7, judgment.route)
                    insert.bind(8, judgment.verdict.rawValue)
                    insert.bind(9, judgment.score)
                    insert.bind(10, judgment.reason)
                    insert.bind(11, judgment.cost)
                    insert.bind(12, judgment.failed)
                    try insert.run()
                }
                let move = try connection.cached(
                    "INSERT OR REPLACE INTO judge_cursors (name, event_id) VALUES (?, ?)")
                move.bind(1, cursor)
                move.bind(2, position)
                try move.run()
            }
        }
    }

    public func verdictCounts(from: Timestamp, through: Timestamp) async throws -> [VerdictCounts] {
        try await onWriter { writer in
            let statement = try writer.connection.cached(
                """
                SELECT judge, model, route, SUM(verdict = 'supported'), SUM(verdict = 'hallucinated'),
                  SUM(verdict = 'unknown')
                FROM judgments WHERE event_ts >= ? AND event_ts <= ? GROUP BY judge, model, route
                ORDER BY judge, model, route
                """)
            statement.bind(1, from)
            statement.bind(2, through)
            var result: [VerdictCounts] = []
            while try statement.step() {
                result.append(
                    VerdictCounts(
                        judge: statement.string(0), model: statement.string(1), route: statement.string(2),
                        supported: Int(statement.int64(3)), hallucinated: Int(statement.int64(4)),
                        unknown: Int(statement.int64(5))))
            }
            statement.reset()
            return result
        }
    }

    public func judgeUsage(judge: String, since: Timestamp) async throws -> (count: Int, cost: Double) {
        try await onWriter { writer in
            let statement = try writer.connection.cached(
                "SELECT COUNT(*), TOTAL(cost) FROM judgments WHERE judge = ? AND judged_at >= ?")
            statement.bind(1, judge)
            statement.bind(2, since)
            defer { statement.reset() }
            guard try statement.step() else { return (0, 0) }
            return (Int(statement.int64(0)), statement.double(1))
        }
    }

    public func judgments(eventID: Int64) async throws -> [Judgment] {
        try await onWriter { writer in
            let statement = try writer.connection.cached(
                """
                SELECT judge, request_id, event_ts, judged_at, model, route, verdict, score, reason, cost, failed
                FROM judgments WHERE event_id = ? ORDER BY judge
                """)
            statement.bind(1, eventID)
            var result: [Judgment] = []
            while try statement.step() {
                result.append(
                    Judgment(
                        eventID: eventID, requestID: statement.string(1), eventTimestamp: statement.int64(2),
                        judgedAt: statement.int64(3), judge: statement.string(0), model: statement.string(4),
                        route: statement.string(5), verdict: Verdict(rawValue: statement.string(6)) ?? .unknown,
                        score: statement.optionalDouble(7), reason: statement.string(8), cost: statement.double(9),
                        failed: statement.int64(10) != 0))
            }
            statement.reset()
            return result
        }
    }

    public func pruneJudgments(before: Timestamp) async throws -> Int {
        try await onWriter { writer in
            let statement = try writer.connection.cached("DELETE FROM judgments WHERE event_ts < ?")
            statement.bind(1, before)
            try statement.run()
            return writer.connection.changes
        }
    }
}
