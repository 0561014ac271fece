public import InfermonCore

extension SQLiteStore: EventWindowReader {
    /// Reads the window's events straight into per-model columns: one indexed range
    /// scan of `events`, joined to its key and (only for lengths and prefixes) its text.
    public func eventColumns(_ query: EventWindowQuery) throws -> [EventColumns] {
        try withReadConnection { connection in
            var sql = """
                SELECT e.ts, k.model, k.model_version, k.route, k.tenant, k.status, e.latency, e.ttft,
                  e.prompt_tokens, e.completion_tokens, e.cost, e.finish_reason, e.prediction, e.feedback,
                  e.features, length(infermon_text(t.response)), substr(infermon_text(t.response), 1, ?), e.request_id,
                  \(query.hallucination ? Self.judgedHallucination : "NULL")
                FROM events e JOIN event_keys k ON k.id = e.key_id
                LEFT JOIN event_texts t ON t.event_id = e.id
                WHERE e.ts >= ? AND e.ts <= ?
                """
            if query.model != nil { sql += " AND k.model = ?" }
            sql += " ORDER BY e.ts"
            let statement = try connection.prepare(sql)
            statement.bind(1, Int64(max(query.responsePrefixLength, 0)))
            statement.bind(2, query.from)
            statement.bind(3, query.through)
            if let model = query.model { statement.bind(4, model) }
            var window = EventWindowColumns(query)
            while try statement.step() { window.append(statement, model: statement.string(1)) }
            return window.build()
        }
    }

    /// 1 hallucinated, 0 supported, NULL unjudged: the LLM judge's verdict before the scorer's.
    static let judgedHallucination = """
        (SELECT CASE j.verdict WHEN 'hallucinated' THEN 1.0 ELSE 0.0 END FROM judgments j
          WHERE j.event_id = e.id AND j.verdict IN ('hallucinated', 'supported') AND j.failed = 0
          ORDER BY j.judge = 'llm' DESC, j.judged_at DESC LIMIT 1)
        """
}

/// The rows of an event window, one builder per model, in the column layout of
/// the SQLite store's window query (`ts, model, model_version, route, tenant,
/// status, latency, ttft, prompt_tokens, completion_tokens, cost,
/// finish_reason, prediction, feedback, features, response length, response
/// prefix, request_id, hallucinated`); the PostgreSQL store reads the same layout
/// (its text prediction in one more column at the end).
package struct EventWindowColumns {
    private let query: EventWindowQuery
    private var builders: [String: EventColumnsBuilder] = [:]

    package init(_ query: EventWindowQuery) { self.query = query }

    package mutating func append(_ row: some EventRowCells, model: String) {
        var builder =
            builders.removeValue(forKey: model)
            ?? EventColumnsBuilder(
                model: model, prefixes: query.responsePrefixLength > 0, requestIDs: query.requestIDs,
                hallucination: query.hallucination)
        builder.append(row)
        builders[model] = builder
    }

    /// One entry per model, sorted by model, each cut to `limitPerModel`.
    package func build() -> [EventColumns] {
        builders.keys.sorted().map { model in
            var columns = builders[model]!.build()
            if let limit = query.limitPerModel, columns.count > limit { columns = columns.suffix(limit) }
            return columns
        }
    }
}

/// A stored prediction: a number, a class, or none.
package enum PredictionCell {
    case number(Double)
    case text(String)
    case none
}

/// One row of the window query, read by column index.
package protocol EventRowCells {
    func int64(_ column: Int32) -> Int64
    func optionalDouble(_ column: Int32) -> Double?
    func optionalString(_ column: Int32) -> String?
    func prediction(_ column: Int32) -> PredictionCell
}

extension Statement: EventRowCells {
    func prediction(_ column: Int32) -> PredictionCell {
        switch columnType(column) {
        case 1, 2: .number(double(column))  // SQLITE_INTEGER, SQLITE_FLOAT
        case 3: .text(string(column))  // SQLITE_TEXT
        default: .none
        }
    }
}

/// Accumulates one model's rows; every column gets exactly one entry per row.
struct EventColumnsBuilder {
    let model: String
    var timestamps: [Timestamp] = []
    var numeric: [String: [Double]] = [:]
    var categorical: [String: CategoricalBuilder] = [:]
    var prefixes: [String]?
    var requestIDs: [String]?
    let hallucination: Bool

    init(model: String, prefixes: Bool, requestIDs: Bool = false, hallucination: Bool = false) {
        self.model = model
        self.hallucination = hallucination
        self.prefixes = prefixes ? [] : nil
        self.requestIDs = requestIDs ? [] : nil
    }

    private static let numericColumns: [(Int32, String)] = [
        (6, EventColumnName.latency), (7, EventColumnName.timeToFirstToken), (8, EventColumnName.promptTokens),
        (9, EventColumnName.completionTokens), (10, EventColumnName.cost), (13, EventColumnName.feedback),
        (15, EventColumnName.responseLength),
    ]
    private static let categoricalColumns: [(Int32, String)] = [
        (2, EventColumnName.modelVersion), (3, EventColumnName.route), (4, EventColumnName.tenant),
        (5, EventColumnName.status), (11, EventColumnName.finishReason),
    ]

    mutating func append(_ row: some EventRowCells) {
        let index = timestamps.count
        timestamps.append(row.int64(0))
        for (column, name) in Self.numericColumns {
            set(name, row.optionalDouble(column) ?? .nan, at: index)
        }
        for (column, name) in Self.categoricalColumns {
            setCategory(name, row.optionalString(column), at: index)
        }
        switch row.prediction(12) {
        case .number(let value): set(EventColumnName.prediction, value, at: index)
        case .text(let text): setCategory(EventColumnName.prediction, text, at: index)
        case .none: break
        }
        if let text = row.optionalString(14) {
            for (key, value) in FlatJSONObject.parse(text) {
                let name = EventColumnName.featurePrefix + key
                switch value {
                case .number(let number): set(name, number, at: index)
                case .category(let category): setCategory(name, category, at: index)
                }
            }
        }
        prefixes?.append(row.optionalString(16) ?? "")
        requestIDs?.append(row.optionalString(17) ?? "")
        if hallucination { set(EventColumnName.hallucinated, row.optionalDouble(18) ?? .nan, at: index) }
    }

    /// Sets a numeric cell, creating the column (NaN-filled so far) on first use.
    private mutating func set(_ name: String, _ value: Double, at index: Int) {
        if numeric[name] == nil {
            if value.isNaN { return }
            numeric[name] = [Double](repeating: .nan, count: index)
        }
        // Feature columns skip events without the key: pad them first.
        let missing = index - numeric[name]!.count
        if missing > 0 { numeric[name]!.append(contentsOf: repeatElement(.nan, count: missing)) }
        numeric[name]!.append(value)
    }

    private mutating func setCategory(_ name: String, _ value: String?, at index: Int) {
        if categorical[name] == nil {
            guard value != nil else { return }
            categorical[name] = CategoricalBuilder(missing: index)
        }
        let missing = index - categorical[name]!.column.codes.count
        if missing > 0 { categorical[name]!.column.codes.append(contentsOf: repeatElement(-1, count: missing)) }
        categorical[name]!.append(value)
    }

    func build() -> EventColumns {
        let count = timestamps.count
        var numericColumns: [String: [Double]] = [:]
        for (name, var values) in numeric {
            if values.count < count { values += [Double](repeating: .nan, count: count - values.count) }
            numericColumns[name] = values
        }
        var categoricalColumns: [String: CategoricalColumn] = [:]
        for (name, builder) in categorical {
            var column = builder.column
            if column.codes.count < count { column.codes += [Int32](repeating: -1, count: count - column.codes.count) }
            categoricalColumns[name] = column
        }
        return EventColumns(
            model: model, timestamps: timestamps, numeric: numericColumns, categorical: categoricalColumns,
            responsePrefixes: prefixes, requestIDs: requestIDs)
    }
}

/// Dictionary-encodes one categorical column as rows arrive.
struct CategoricalBuilder {
    var column = CategoricalColumn()
    var codes: [String: Int32] = [:]

    init(missing: Int) { column.codes = [Int32](repeating: -1, count: missing) }

    mutating func append(_ value: String?) {
        guard let value else {
            column.codes.append(-1)
            return
        }
        if let code = codes[value] {
            column.codes.append(code)
        } else {
            let code = Int32(column.categories.count)
            codes[value] = code
            column.categories.append(value)
            column.codes.append(code)
        }
    }
}

extension EventColumns {
    /// The last `count` events.
    func suffix(_ count: Int) -> EventColumns {
        let start = self.count - count
        var copy = EventColumns(model: model, timestamps: Array(timestamps[start...]))
        copy.numeric = numeric.mapValues { Array($0[start...]) }
        copy.categorical = categorical.mapValues {
            CategoricalColumn(categories: $0.categories, codes: Array($0.codes[start...]))
        }
        copy.responsePrefixes = responsePrefixes.map { Array($0[start...]) }
        copy.requestIDs = requestIDs.map { Array($0[start...]) }
        return copy
    }
}
