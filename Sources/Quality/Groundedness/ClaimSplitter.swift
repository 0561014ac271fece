/// Cuts sentences into claims: at a comma followed by a clause opener, and at
/// "but"/"whereas", when both sides keep at least two content words. A claim
/// is what gets checked against the context as one unit, so "founded in 1934,
/// but closed in 1990" is judged as two facts rather than one averaged one.
enum ClaimSplitter {
    static func claims(_ sentences: [[TextToken]]) -> [[TextToken]] {
        var result: [[TextToken]] = []
        for sentence in sentences {
            var start = 0
            for index in sentence.indices where index > start {
                let token = sentence[index]
                let opensClause =
                    (token.followsComma && TextUnits.clauseOpeners.contains(token.normalized))
                    || token.normalized == "but" || token.normalized == "whereas"
                guard opensClause else { continue }
                let left = sentence[start..<index]
                let right = sentence[index...]
                if contentCount(left) >= 2 && contentCount(right) >= 2 {
                    result.append(Array(left))
                    start = index
                }
            }
            result.append(Array(sentence[start...]))
        }
        return result
    }

    static func isContent(_ token: TextToken) -> Bool {
        token.kind == .number || !TextUnits.stopwords.contains(token.normalized)
    }

    private static func contentCount(_ tokens: ArraySlice<TextToken>) -> Int { tokens.count(where: isContent) }
}
