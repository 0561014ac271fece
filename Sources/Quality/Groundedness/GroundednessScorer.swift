public import InfermonCore

/// Knobs of the built-in groundedness judge.
public struct GroundednessOptions: Sendable, Equatable {
    /// A response is hallucinated when its unsupported share is above this.
    public var threshold: Double
    /// How much one number, date or name that the context never mentions costs a
    /// claim: its support is multiplied by this for each one.
    public var missingSpecificFactor: Double

    public init(threshold: Double = 0.2, missingSpecificFactor: Double = 0.4) {
        self.threshold = threshold
        self.missingSpecificFactor = missingSpecificFactor
    }
}

/// The scorer's answer for one response.
public struct GroundednessResult: Sendable, Equatable {
    public var verdict: Verdict
    /// Unsupported share in [0, 1]: the mean over claims of how unsupported each is.
    public var score: Double
    public var claims: Int
    /// Claims whose own unsupported degree is above one half.
    public var unsupportedClaims: Int
    public var reason: String
}

/// A judge that needs no network: it splits the response into claims (sentences
/// and clauses) and checks each against the retrieved context (and the prompt,
/// which a response may legitimately restate).
///
/// A claim's support is the share of its content words (stemmed) found in the
/// context, cut down for every number, date or proper name it states that the
/// context never mentions: those are where fabrications live. The response's
/// score is the mean over claims of (1 − support), so a long answer is not
/// penalised for being long, only for the share of it that floats free.
public struct GroundednessScorer: Sendable {
    public let options: GroundednessOptions

    public init(options: GroundednessOptions = GroundednessOptions()) { self.options = options }

    public func score(response: String, context: String, prompt: String? = nil) -> GroundednessResult {
        var support = Set<String>()
        for sentence in TextUnits.sentences(context) + TextUnits.sentences(prompt ?? "") {
            for token in sentence { support.insert(key(token)) }
        }
        var unsupportedSum = 0.0
        var claimCount = 0
        var unsupportedClaims = 0
        var worst: (degree: Double, missing: [String]) = (0, [])
        for claim in claims(TextUnits.sentences(response)) {
            var content: Set<String> = []
            var specifics: [String: String] = [:]
            for token in claim where token.kind == .number || !TextUnits.stopwords.contains(token.normalized) {
                let tokenKey = key(token)
                content.insert(tokenKey)
                if token.kind == .number || token.isProperNoun { specifics[tokenKey] = token.surface }
            }
            guard !content.isEmpty else { continue }
            let found = content.filter(support.contains).count
            let missingSpecifics = specifics.filter { !support.contains($0.key) }.map(\.value).sorted()
            var supportShare = Double(found) / Double(content.count)
            for _ in missingSpecifics { supportShare *= options.missingSpecificFactor }
            let degree = 1 - supportShare
            claimCount += 1
            unsupportedSum += degree
            if degree > 0.5 { unsupportedClaims += 1 }
            if degree > worst.degree { worst = (degree, missingSpecifics) }
        }
        guard claimCount > 0 else {
            return GroundednessResult(
                verdict: .unknown, score: 0, claims: 0, unsupportedClaims: 0, reason: "no checkable claims")
        }
        let score = unsupportedSum / Double(claimCount)
        let verdict: Verdict = score > options.threshold ? .hallucinated : .supported
        var reason = "\(unsupportedClaims) of \(claimCount) claims unsupported by the context"
        if !worst.missing.isEmpty {
            reason += "; not in context: " + worst.missing.prefix(3).joined(separator: ", ")
        }
        return GroundednessResult(
            verdict: verdict, score: score, claims: claimCount, unsupportedClaims: unsupportedClaims, reason: reason)
    }

    /// The comparison key: numbers as normalised, words stemmed.
    private func key(_ token: TextToken) -> String {
        token.kind == .number ? "#" + token.normalized : EnglishStemmer.stem(token.normalized)
    }

    /// Cuts sentences into clauses at a comma followed by a clause opener, and
    /// at "but"/"whereas", when both sides keep at least two content words.
    func claims(_ sentences: [[TextToken]]) -> [[TextToken]] {
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

    private func contentCount(_ tokens: ArraySlice<TextToken>) -> Int {
        tokens.count { $0.kind == .number || !TextUnits.stopwords.contains($0.normalized) }
    }
}
