/// Events of one model over a time window, column by column, as statistics want
/// them: detectors read a window once and walk arrays, never events.
public struct EventColumns: Sendable, Equatable {
    public var model: String
    public var timestamps: [Timestamp]
    /// Numeric columns by name (see `EventColumnName`), NaN where an event has no value.
    public var numeric: [String: [Double]]
    /// Categorical columns by name, dictionary-encoded.
    public var categorical: [String: CategoricalColumn]
    /// The first characters of each event's response ("" when none), when asked for;
    /// for heuristics such as refusal detection.
    public var responsePrefixes: [String]?
    /// Each event's request id ("" when none), when asked for; for pairing the
    /// requests one request id saw served by two versions (shadow traffic).
    public var requestIDs: [String]?

    public init(
        model: String, timestamps: [Timestamp] = [], numeric: [String: [Double]] = [:],
        categorical: [String: CategoricalColumn] = [:], responsePrefixes: [String]? = nil,
        requestIDs: [String]? = nil
    ) {
        self.model = model
        self.timestamps = timestamps
        self.numeric = numeric
        self.categorical = categorical
        self.responsePrefixes = responsePrefixes
        self.requestIDs = requestIDs
    }

    public var count: Int { timestamps.count }

    /// The events split by the value of categorical column `name` (events
    /// without one are left out), in category order; each part keeps the model.
    public func split(by name: String) -> [(value: String, columns: EventColumns)] {
        guard let column = categorical[name] else { return [] }
        var indices = [[Int]](repeating: [], count: column.categories.count)
        for (index, code) in column.codes.enumerated() where code >= 0 { indices[Int(code)].append(index) }
        return zip(column.categories, indices).compactMap { value, rows in
            rows.isEmpty ? nil : (value, subset(rows))
        }
    }

    /// The events at `rows` (ascending), every column kept.
    public func subset(_ rows: [Int]) -> EventColumns {
        EventColumns(
            model: model, timestamps: rows.map { timestamps[$0] },
            numeric: numeric.mapValues { values in rows.map { values[$0] } },
            categorical: categorical.mapValues { column in
                CategoricalColumn(categories: column.categories, codes: rows.map { column.codes[$0] })
            },
            responsePrefixes: responsePrefixes.map { prefixes in rows.map { prefixes[$0] } },
            requestIDs: requestIDs.map { ids in rows.map { ids[$0] } })
    }
}

/// A categorical column: one code per event indexing `categories`, −1 for missing.
public struct CategoricalColumn: Sendable, Equatable {
    public var categories: [String]
    public var codes: [Int32]

    public init(categories: [String] = [], codes: [Int32] = []) {
        self.categories = categories
        self.codes = codes
    }

    /// Count of each category present.
    public func counts() -> [String: Int] {
        var tally = [Int](repeating: 0, count: categories.count)
        for code in codes where code >= 0 { tally[Int(code)] += 1 }
        var result: [String: Int] = [:]
        for (index, count) in tally.enumerated() where count > 0 { result[categories[index]] = count }
        return result
    }
}

/// Column names shared by the store that fills them and the detectors that read them.
public enum EventColumnName {
    public static let latency = "latency"
    public static let timeToFirstToken = "ttft"
    public static let promptTokens = "prompt_tokens"
    public static let completionTokens = "completion_tokens"
    public static let cost = "cost"
    /// Characters in the response text.
    public static let responseLength = "response_length"
    public static let feedback = "feedback"
    public static let finishReason = "finish_reason"
    public static let status = "status"
    public static let tenant = "tenant"
    public static let route = "route"
    public static let modelVersion = "model_version"
    /// Numeric predictions go to `numeric`, categorical ones to `categorical`.
    public static let prediction = "prediction"
    /// Feature keys appear as `features.<key>`, numeric or categorical by value.
    public static let featurePrefix = "features."
    /// With `EventWindowQuery.hallucination`: 1 when the event was judged hallucinated,
    /// 0 supported, NaN unjudged (the LLM judge's verdict before the scorer's).
    public static let hallucinated = "hallucinated"
}

/// Which events to read.
public struct EventWindowQuery: Sendable, Equatable {
    /// Epoch milliseconds, both inclusive.
    public var from: Timestamp
    public var through: Timestamp
    /// Only this model; nil for every model (one `EventColumns` each).
    public var model: String?
    /// Include `responsePrefixes` of this many characters (0: none).
    public var responsePrefixLength: Int
    /// At most this many events per model, the most recent kept; nil for all.
    public var limitPerModel: Int?
    /// Include `requestIDs`.
    public var requestIDs: Bool
    /// Include the `hallucinated` column from the stored judgments.
    public var hallucination: Bool

    public init(
        from: Timestamp, through: Timestamp, model: String? = nil, responsePrefixLength: Int = 0,
        limitPerModel: Int? = nil, requestIDs: Bool = false, hallucination: Bool = false
    ) {
        self.hallucination = hallucination
        self.from = from
        self.through = through
        self.model = model
        self.responsePrefixLength = responsePrefixLength
        self.limitPerModel = limitPerModel
        self.requestIDs = requestIDs
    }
}

/// The read side the detectors need from storage.
public protocol EventWindowReader: Sendable {
    /// The events in the window, one entry per model (sorted by model), each in time order.
    func eventColumns(_ query: EventWindowQuery) throws -> [EventColumns]
}

/// A reference window kept by name, so drift can be measured against a known-good
/// period long after its raw events have expired.
public struct DriftBaseline: Sendable, Equatable {
    public var name: String
    public var from: Timestamp
    public var through: Timestamp
    public var createdAt: Timestamp
    public var columns: [EventColumns]

    public init(name: String, from: Timestamp, through: Timestamp, createdAt: Timestamp, columns: [EventColumns]) {
        self.name = name
        self.from = from
        self.through = through
        self.createdAt = createdAt
        self.columns = columns
    }
}

/// What a saved baseline is, without its data.
public struct DriftBaselineInfo: Sendable, Equatable {
    public var name: String
    public var from: Timestamp
    public var through: Timestamp
    public var createdAt: Timestamp
    public var events: Int

    public init(name: String, from: Timestamp, through: Timestamp, createdAt: Timestamp, events: Int) {
        self.name = name
        self.from = from
        self.through = through
        self.createdAt = createdAt
        self.events = events
    }
}

/// Storage of named baselines.
public protocol DriftBaselineStore: Sendable {
    /// Saves (or replaces) a baseline; durable on return.
    func saveBaseline(_ baseline: DriftBaseline) async throws
    func baseline(named name: String) throws -> DriftBaseline?
    func baselines() throws -> [DriftBaselineInfo]
}
