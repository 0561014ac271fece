public import InfermonCore

/// Turns a window's event columns into the samples the detectors compare.
///
/// Built-in drift fields for LLM traffic: latency, ttft, prompt_tokens,
/// completion_tokens, cost, response_length, feedback (numeric); finish_reason,
/// tenant, status, route, model_version (categorical); refusal and
/// empty_response (0/1 per event); plus `prediction` and every `features.<key>`,
/// numeric or categorical by their values.
public enum FieldExtraction {
    public static let refusal = "refusal"
    public static let emptyResponse = "empty_response"

    /// Field samples by name; `excluded` names are left out.
    public static func samples(_ columns: EventColumns, excluded: Set<String> = []) -> [String: FieldSample] {
        var result: [String: FieldSample] = [:]
        let numericNames = columns.numeric.keys.filter { !excluded.contains($0) }.sorted()
        let sorted = SortedSample.sortAll(numericNames.map { columns.numeric[$0]! })
        for (name, sample) in zip(numericNames, sorted) { result[name] = .numeric(sample) }
        for (name, column) in columns.categorical where !excluded.contains(name) {
            result[name] = .categorical(column.counts())
        }
        let flags = qualityFlags(columns)
        if !excluded.contains(refusal), flags.refusal.contains(where: { !$0.isNaN }) {
            result[refusal] = .numeric(SortedSample(flags.refusal))
        }
        if !excluded.contains(emptyResponse), flags.empty.contains(where: { !$0.isNaN }) {
            result[emptyResponse] = .numeric(SortedSample(flags.empty))
        }
        return result
    }

    /// Per-event refusal and empty-response flags (NaN where unknown).
    public static func qualityFlags(_ columns: EventColumns) -> (refusal: [Double], empty: [Double]) {
        let count = columns.count
        let lengths = columns.numeric[EventColumnName.responseLength] ?? [Double](repeating: .nan, count: count)
        let tokens = columns.numeric[EventColumnName.completionTokens] ?? [Double](repeating: .nan, count: count)
        let statuses = columns.categorical[EventColumnName.status]
        var refusals = [Double](repeating: .nan, count: count)
        var empties = [Double](repeating: .nan, count: count)
        for index in 0..<count {
            // A failed request has no response to judge.
            if let statuses, statuses.codes[index] >= 0, statuses.categories[Int(statuses.codes[index])] != "ok" {
                continue
            }
            empties[index] = ResponseFlags.empty(length: lengths[index], completionTokens: tokens[index])
            if let prefixes = columns.responsePrefixes {
                refusals[index] = ResponseFlags.refusal(prefix: prefixes[index], length: lengths[index])
            }
        }
        return (refusals, empties)
    }

    /// The columns of the events with timestamps in `from...through`.
    public static func slice(_ columns: EventColumns, from: Timestamp, through: Timestamp) -> EventColumns {
        let start = columns.timestamps.firstIndex { $0 >= from } ?? columns.count
        let end = columns.timestamps.lastIndex { $0 <= through }.map { $0 + 1 } ?? 0
        guard start < end else { return EventColumns(model: columns.model) }
        var slice = EventColumns(model: columns.model, timestamps: Array(columns.timestamps[start..<end]))
        slice.numeric = columns.numeric.mapValues { Array($0[start..<end]) }
        slice.categorical = columns.categorical.mapValues {
            CategoricalColumn(categories: $0.categories, codes: Array($0.codes[start..<end]))
        }
        slice.responsePrefixes = columns.responsePrefixes.map { Array($0[start..<end]) }
        return slice
    }
}

/// Per-event quality flags derived from the response: empty responses and
/// refusals. Refusal detection is a heuristic on the response's first characters
/// (the phrases models open a refusal with); it is meant to move when refusals
/// move, not to judge single responses.
public enum ResponseFlags {
    /// Openings of refusals, lower-cased; apostrophes are normalised before matching.
    public static let refusalOpenings = [
        "i'm sorry", "i am sorry", "sorry, but", "sorry, i", "i apologize, but", "i can't", "i cannot", "i can not",
        "i won't", "i will not", "i'm not able to", "i am not able to", "i'm unable to", "i am unable to",
        "as an ai", "i must decline", "i'm afraid i can't",
    ]

    /// 1 when the response opens like a refusal, 0 when it does not, NaN when there is no response text.
    public static func refusal(prefix: String, length: Double) -> Double {
        guard length.isFinite, length > 0 else { return .nan }
        let lowered = prefix.lowercased().replacing("\u{2019}", with: "'").drop {
            $0 == " " || $0 == "\n" || $0 == "\""
        }
        for opening in refusalOpenings where lowered.hasPrefix(opening) { return 1 }
        return 0
    }

    /// 1 when the request succeeded but produced nothing: an empty response text, or
    /// no text recorded and zero completion tokens. NaN when neither is known.
    public static func empty(length: Double, completionTokens: Double) -> Double {
        if length.isFinite { return length == 0 ? 1 : 0 }
        if completionTokens.isFinite { return completionTokens == 0 ? 1 : 0 }
        return .nan
    }
}
