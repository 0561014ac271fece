public import InfermonCore
import Logging
import PostgresNIO
import Store

/// Judgments of sampled events, as `SQLiteStore` keeps them. Only the elected
/// evaluator judges; reads run on the reader pool, writes on the writer.
extension PostgresStore: JudgmentStore {
    /// Events past the cursor in id order, but never past an id that some writer
    /// may still commit below.
    ///
    /// Why: in SQLite one writer commits ids in order, so a cursor at id N has
    /// seen every id up to N. Here ids come from a sequence and several daemons
    /// commit out of order: a batch holding ids 5–10 may commit after one holding
    /// 11–20, and a cursor moved to 20 would never see 5–10. So the scan stops at a
    /// fence: the sequence's value N read at some moment, paired with the
    /// transaction-id horizon read just after it. Every batch writer takes its
    /// transaction id before it draws ids (`txid_current()` before `COPY`), so a
    /// batch holding an id up to N had its transaction id below that horizon; once
    /// no transaction below the horizon is running (the snapshot's xmin reached
    /// it), every id up to N is committed or never will be. A fence is safe at once
    /// when no transaction is running at all; otherwise it is kept in
    /// `judge_scan_fences` (shared, so an evaluator taking over continues) and used
    /// by a later scan. The scan thus lags the writers by about one pass, and a
    /// transaction left open anywhere on the server (transaction ids are the
    /// cluster's, not the database's) holds it back until that transaction ends.
    public func scanEvents(afterEventID: Int64, limit: Int) async throws -> [JudgeScanRow] {
        let fence = try await onWriter { [logger] connection, _ in
            try await Self.scanFence(afterEventID: afterEventID, connection: connection, logger: logger)
        }
        guard fence.through > fence.after else { return [] }
        return try readers.withConnection { connection in
            try connection.rows(
                """
                SELECT e.id, e.request_id, e.ts, k.model, k.route, COALESCE(length(e.response), 0) > 0,
                  COALESCE(length(e.context), 0) > 0
                FROM events e JOIN event_keys k ON k.id = e.key_id
                WHERE e.id > \(fence.after) AND e.id <= \(fence.through) ORDER BY e.id LIMIT \(Int64(limit))
                """, logger: logger
            ).map { row in
                let (id, requestID, timestamp, model, route, hasResponse, hasContext) = try row.decode(
                    (Int64, String?, Int64, String, String, Bool, Bool).self)
                return JudgeScanRow(
                    eventID: id, requestID: requestID, timestamp: timestamp, model: model, route: route,
                    hasResponse: hasResponse, hasContext: hasContext)
            }
        }
    }

    /// Where a scan from `afterEventID` may go: after the cursor (0 when the
    /// sequence restarted below it, as SQLite starts over when its log was
    /// emptied) and through the newest fence no running writer can pass.
    /// Autocommit statements, so this connection holds no transaction id that
    /// would itself keep the horizon back.
    static func scanFence(afterEventID: Int64, connection: PostgresConnection, logger: Logger) async throws
        -> (after: Int64, through: Int64)
    {
        var newest: Int64 = 0
        for try await value in try await connection.query(
            "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM events_id_seq", logger: logger
        ).decode(Int64.self) { newest = value }
        var horizon: (xmin: Int64, xmax: Int64) = (0, 0)
        for try await value in try await connection.query(
            "SELECT txid_snapshot_xmin(s), txid_snapshot_xmax(s) FROM txid_current_snapshot() s", logger: logger
        ).decode((Int64, Int64).self) { horizon = value }
        var after = afterEventID
        if newest < after {
            after = 0
            try await connection.query("DELETE FROM judge_scan_fences WHERE event_id > \(newest)", logger: logger)
        }
        var through: Int64 = 0
        for try await value in try await connection.query(
            "SELECT COALESCE(max(event_id), 0) FROM judge_scan_fences WHERE xid_fence <= \(horizon.xmin)",
            logger: logger
        ).decode(Int64.self) { through = value }
        if horizon.xmin >= horizon.xmax {
            through = max(through, newest)
        } else if newest > through {
            try await connection.query(
                "INSERT INTO judge_scan_fences (event_id, xid_fence) VALUES (\(newest), \(horizon.xmax))",
                logger: logger)
        }
        try await connection.query(
            "DELETE FROM judge_scan_fences WHERE event_id < \(through)", logger: logger)
        return (after, through)
    }

    public func candidates(eventIDs: [Int64]) async throws -> [JudgeCandidate] {
        guard !eventIDs.isEmpty else { return [] }
        let found: [Int64: JudgeCandidate] = try readers.withConnection { connection in
            var found: [Int64: JudgeCandidate] = [:]
            for row in try connection.rows(
                """
                SELECT e.id, e.request_id, e.ts, k.model, k.route, e.prompt, e.response, e.context, e.feedback
                FROM events e JOIN event_keys k ON k.id = e.key_id WHERE e.id = ANY(\(eventIDs)::bigint[])
                """, logger: logger)
            {
                let (id, requestID, timestamp, model, route, prompt, response, context, feedback) = try row.decode(
                    (Int64, String?, Int64, String, String, String?, String?, String?, Double?).self)
                found[id] = JudgeCandidate(
                    eventID: id, requestID: requestID ?? "\(timestamp)|\(model)|\(route)", timestamp: timestamp,
                    model: model, route: route, prompt: prompt, response: response, context: context,
                    feedback: feedback)
            }
            return found
        }
        return eventIDs.compactMap { found[$0] }
    }

    public func judgeCursor(_ cursor: String) async throws -> Int64 {
        try readers.withConnection { connection in
            try connection.rows("SELECT event_id FROM judge_cursors WHERE name = \(cursor)", logger: logger)
                .first?.decode(Int64.self) ?? 0
        }
    }

    public func record(_ judgments: [Judgment], cursor: String, position: Int64) async throws {
        let box = UncheckedSendableBox(judgments)
        try await inTransaction { [logger] connection in
            try await Self.insertJudgments(box.value, connection: connection, logger: logger)
            try await connection.query(
                """
                INSERT INTO judge_cursors (name, event_id) VALUES (\(cursor), \(position))
                ON CONFLICT (name) DO UPDATE SET event_id = excluded.event_id
                """, logger: logger)
        }
    }

    /// Inserts judgments, replacing an earlier verdict of the same judge on the same
    /// event (one at a time, so two of them in one call keep the last, as SQLite does).
    static func insertJudgments(_ judgments: [Judgment], connection: PostgresConnection, logger: Logger) async throws {
        for judgment in judgments {
            try await connection.query(
                """
                INSERT INTO judgments (event_id, judge, request_id, event_ts, judged_at, model, route, verdict, score,
                  reason, cost, failed)
                VALUES (\(judgment.eventID), \(judgment.judge), \(judgment.requestID), \(judgment.eventTimestamp),
                  \(judgment.judgedAt), \(judgment.model), \(judgment.route), \(judgment.verdict.rawValue),
                  \(judgment.score), \(judgment.reason), \(judgment.cost), \(judgment.failed))
                ON CONFLICT (event_id, judge) DO UPDATE SET request_id = excluded.request_id,
                  event_ts = excluded.event_ts, judged_at = excluded.judged_at, model = excluded.model,
                  route = excluded.route, verdict = excluded.verdict, score = excluded.score,
                  reason = excluded.reason, cost = excluded.cost, failed = excluded.failed
                """, logger: logger)
        }
    }

    public func verdictCounts(from: Timestamp, through: Timestamp) async throws -> [VerdictCounts] {
        try readers.withConnection { connection in
            try connection.rows(
                """
                SELECT judge, model, route, count(*) FILTER (WHERE verdict = 'supported'),
                  count(*) FILTER (WHERE verdict = 'hallucinated'), count(*) FILTER (WHERE verdict = 'unknown')
                FROM judgments WHERE event_ts >= \(from) AND event_ts <= \(through) GROUP BY judge, model, route
                ORDER BY judge COLLATE "C", model COLLATE "C", route COLLATE "C"
                """, logger: logger
            ).map { row in
                let (judge, model, route, supported, hallucinated, unknown) = try row.decode(
                    (String, String, String, Int64, Int64, Int64).self)
                return VerdictCounts(
                    judge: judge, model: model, route: route, supported: Int(supported),
                    hallucinated: Int(hallucinated), unknown: Int(unknown))
            }
        }
    }

    public func judgeUsage(judge: String, since: Timestamp) async throws -> (count: Int, cost: Double) {
        try readers.withConnection { connection in
            guard
                let (count, cost) = try connection.rows(
                    """
                    SELECT count(*), COALESCE(sum(cost), 0)::float8 FROM judgments
                    WHERE judge = \(judge) AND judged_at >= \(since)
                    """, logger: logger
                ).first?.decode((Int64, Double).self)
            else { return (0, 0) }
            return (Int(count), cost)
        }
    }

    public func judgments(eventID: Int64) async throws -> [Judgment] {
        try readers.withConnection { connection in
            try connection.rows(
                """
                SELECT judge, request_id, event_ts, judged_at, model, route, verdict, score, reason, cost, failed
                FROM judgments WHERE event_id = \(eventID) ORDER BY judge COLLATE "C"
                """, logger: logger
            ).map { row in
                var cells = row.makeIterator()
                func next<T: PostgresDecodable>(_ type: T.Type) throws -> T { try cells.next()!.decode(T.self) }
                let judge = try next(String.self)
                let requestID = try next(String.self)
                let eventTimestamp = try next(Int64.self)
                let judgedAt = try next(Int64.self)
                let model = try next(String.self)
                let route = try next(String.self)
                let verdict = Verdict(rawValue: try next(String.self)) ?? .unknown
                let score = try next(Double?.self)
                let reason = try next(String.self)
                let cost = try next(Double.self)
                let failed = try next(Bool.self)
                return Judgment(
                    eventID: eventID, requestID: requestID, eventTimestamp: eventTimestamp, judgedAt: judgedAt,
                    judge: judge, model: model, route: route, verdict: verdict, score: score, reason: reason,
                    cost: cost, failed: failed)
            }
        }
    }

    public func pruneJudgments(before: Timestamp) async throws -> Int {
        try await onWriter { [logger] connection, _ in
            try await Self.count(
                connection.query("DELETE FROM judgments WHERE event_ts < \(before) RETURNING 1", logger: logger))
        }
    }
}
