/// Maps the providers' spellings of why generation stopped onto OpenAI's names,
/// so one rule (`finish_reason="length"`) catches runaway generation whichever
/// API the gateway called. Unknown values are kept, lowercased, up to a limit of
/// distinct names; past it they count as `other`, so a source writing free text
/// there cannot create unbounded series.
struct FinishReasonNames {
    static let synonyms: [String: String] = [
        // Generation ended naturally.
        "stop": "stop", "end_turn": "stop", "stop_sequence": "stop", "eos": "stop", "eos_token": "stop",
        "finish_reason_stop": "stop", "completed": "stop", "complete": "stop",
        // Cut off at the token limit: the runaway-generation signal.
        "length": "length", "max_tokens": "length", "max_output_tokens": "length", "max_length": "length",
        "model_length": "length", "token_limit": "length", "finish_reason_max_tokens": "length",
        // Stopped by a safety system.
        "content_filter": "content_filter", "safety": "content_filter", "recitation": "content_filter",
        "blocklist": "content_filter", "prohibited_content": "content_filter", "spii": "content_filter",
        "refusal": "content_filter", "image_safety": "content_filter",
        // Handed over to a tool.
        "tool_calls": "tool_calls", "tool_use": "tool_calls", "function_call": "tool_calls",
        "malformed_function_call": "error", "error": "error",
    ]

    static let maximumOtherNames = 16

    private var others: Set<String> = []

    mutating func normalize(_ raw: String) -> String {
        let lowered = raw.lowercased()
        if let known = Self.synonyms[lowered] { return known }
        if others.contains(lowered) { return lowered }
        guard others.count < Self.maximumOtherNames, lowered.count <= 64 else { return "other" }
        others.insert(lowered)
        return lowered
    }
}
