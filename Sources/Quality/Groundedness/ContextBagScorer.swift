import InfermonCore

/// The first groundedness method, kept as `GroundednessOptions.Method.contextBag`
/// so the benchmark can show the old and new methods side by side on the same
/// data: every claim is checked against one bag of all context and prompt
/// words. It rewards any word that occurs anywhere in the context, which is
/// why on dialogue and summaries it measured little more than word novelty.
struct ContextBagScorer {
    let options: GroundednessOptions

    func score(response: String, context: String, prompt: String?) -> GroundednessResult {
        var support = Set<String>()
        for sentence in TextUnits.sentences(context) + TextUnits.sentences(prompt ?? "") {
            for token in sentence { support.insert(key(token)) }
        }
        var unsupportedSum = 0.0
        var claimCount = 0
        var unsupportedClaims = 0
        var worst: (degree: Double, missing: [String]) = (0, [])
        for claim in ClaimSplitter.claims(TextUnits.sentences(response)) {
            var content: Set<String> = []
            var specifics: [String: String] = [:]
            for token in claim where ClaimSplitter.isContent(token) {
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
                verdict: .unknown, score: 0, claims: 0, unsupportedClaims: 0, reason: "no checkable claims",
                abstained: true)
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

    private func key(_ token: TextToken) -> String {
        token.kind == .number ? "#" + token.normalized : EnglishStemmer.stem(token.normalized)
    }
}
