public import InfermonCore
import Logging
import PostgresNIO
import Store

/// The detectors' event windows from PostgreSQL: the SQLite store's window
/// query over the day partitions (texts are columns of `events` here), built
/// into the same per-model columns by the same builder, the judged
/// `hallucinated` column included (the canaries' hallucination metric).
extension PostgresStore: EventWindowReader {
    public func eventColumns(_ query: EventWindowQuery) throws -> [EventColumns] {
        try readers.withConnection { connection in
            var bindings = PostgresBindings()
            bindings.append(Int64(max(query.responsePrefixLength, 0)))
            bindings.append(query.from)
            bindings.append(query.through)
            var sql = """
                SELECT e.ts, k.model, k.model_version, k.route, k.tenant, k.status, e.latency, e.ttft,
                  e.prompt_tokens::float8, e.completion_tokens::float8, e.cost, e.finish_reason, e.prediction_number,
                  e.feedback, e.features, length(e.response)::float8, substr(e.response, 1, $1::int), e.request_id,
                  \(query.hallucination ? Self.judgedHallucination : "NULL::float8"), e.prediction_text
                FROM events e JOIN event_keys k ON k.id = e.key_id
                WHERE e.ts >= $2 AND e.ts <= $3
                """
            if let model = query.model {
                bindings.append(model)
                sql += " AND k.model = $4"
            }
            sql += " ORDER BY e.ts, e.id"
            var window = EventWindowColumns(query)
            for row in try connection.rows(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
                let cells = PostgresRowCells(row.makeRandomAccess())
                window.append(cells, model: cells.optionalString(1) ?? "")
            }
            return window.build()
        }
    }

    /// 1 hallucinated, 0 supported, NULL unjudged: the LLM judge's verdict before the scorer's, as in SQLite.
    static let judgedHallucination = """
        (SELECT CASE j.verdict WHEN 'hallucinated' THEN 1.0 ELSE 0.0 END FROM judgments j
          WHERE j.event_id = e.id AND j.verdict IN ('hallucinated', 'supported') AND NOT j.failed
          ORDER BY j.judge = 'llm' DESC, j.judged_at DESC LIMIT 1)::float8
        """
}

/// A window query row read by column index, as `EventWindowColumns` reads SQLite's.
struct PostgresRowCells: EventRowCells {
    let row: PostgresRandomAccessRow
    init(_ row: PostgresRandomAccessRow) { self.row = row }

    func int64(_ column: Int32) -> Int64 { (try? row[Int(column)].decode(Int64.self)) ?? 0 }
    func optionalDouble(_ column: Int32) -> Double? { try? row[Int(column)].decode(Double?.self) }
    func optionalString(_ column: Int32) -> String? { try? row[Int(column)].decode(String?.self) }

    /// `prediction_number` at `column`, `prediction_text` last (after `hallucinated`).
    func prediction(_ column: Int32) -> PredictionCell {
        if let number = optionalDouble(column) { return .number(number) }
        if let text = optionalString(19) { return .text(text) }
        return .none
    }
}
