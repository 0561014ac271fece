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
        let lowered = prefix.lowercased().replacingApostrophes().drop { $0 == " " || $0 == "\n" || $0 == "\"" }
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

extension String {
    fileprivate func replacingApostrophes() -> String {
        guard contains("\u{2019}") else { return self }
        return String(map { $0 == "\u{2019}" ? "'" : $0 })
    }
}
