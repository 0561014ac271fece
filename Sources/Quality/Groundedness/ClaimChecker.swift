/// Checks one claim against a `SupportIndex`: coverage by its best context
/// window, then the checks for specifics, where word overlap is blind:
/// a name or number the context never mentions, a number the context gives
/// differently for the same thing, and a negation the context does not share.
struct ClaimChecker {
    struct Outcome {
        /// How unsupported the claim is, in [0, 1].
        var degree: Double
        /// What the checks found, for the reason shown to people.
        var findings: [String]
        /// A check found hard evidence: a name or number the sources never
        /// mention, a number given differently, or a flipped negation. Low word
        /// coverage alone is not hard evidence: a paraphrase has it too.
        var hard = false
    }

    let index: SupportIndex
    let options: GroundednessOptions

    /// Nil when the claim claims nothing: a question, or no content words.
    func check(_ claim: [TextToken]) -> Outcome? {
        if claim.last?.endsQuestion == true { return nil }
        let personal = claim.contains { Self.personalWords.contains($0.normalized) }
        var keys: [(key: String, weight: Double)] = []
        var seen = Set<String>()
        var specifics: [(key: String, surface: String, position: Int)] = []
        for (position, token) in claim.enumerated() where ClaimSplitter.isContent(token) {
            let tokenKey = SupportIndex.key(token)
            guard seen.insert(tokenKey).inserted else { continue }
            let specific = Self.isSpecific(position, in: claim)
            if specific { specifics.append((tokenKey, token.surface, position)) }
            // Chat in the first or second person is opinion and small talk around
            // the facts: only its names and numbers are held to the context.
            let weight = specific ? 1.0 : (personal ? options.personalWordWeight : 1.0)
            if weight > 0 { keys.append((tokenKey, weight)) }
        }
        guard !specifics.isEmpty || keys.contains(where: { $0.weight > 0 }) else { return nil }
        let total = keys.map(\.weight).reduce(0, +)
        guard total > 0 else { return nil }
        let best = index.bestWindow(keys: keys, width: options.windowSentences)
        // No name, no number, not one word in common with the source, and said in
        // the first person or in chat words only: small talk ("I think you'll like
        // it!", "Yep."), not a statement about the source. A bare "Mumbai" or
        // "a shrub" answering a question is still judged.
        if specifics.isEmpty && best.weight == 0
            && (personal || claim.allSatisfy { !ClaimSplitter.isContent($0) || Self.chatWords.contains($0.normalized) })
        {
            return nil
        }
        // Against a document, a claim may fuse a few sentences that are not neighbours.
        let isDocument = options.documentSentences > 0 && index.sentenceCount >= options.documentSentences
        let cover =
            isDocument && options.documentCoverSentences > 1
            ? index.bestCover(keys: keys, count: options.documentCoverSentences) : nil
        let supporting = Set(cover?.sentences ?? [])
        var support = max(best.weight, cover?.weight ?? 0) / total
        var findings: [String] = []
        var hard = false

        var missing: [String] = []
        var elsewhere: [String] = []
        for specific in specifics {
            // A number the context states with the same word, but a different number: contradicted.
            if specific.key.hasPrefix("#"), let follower = SupportIndex.follower(of: specific.position, in: claim),
                let stated = index.numbers(before: follower.stem), !stated.isEmpty, !stated.contains(specific.key)
            {
                let given = stated.map { String($0.dropFirst()) }.sorted().prefix(2).joined(separator: " or ")
                findings.append("contradicted: \(specific.surface) \(follower.surface) where the context says \(given)")
                support = 0
                hard = true
            } else if !index.contains(specific.key) {
                missing.append(specific.surface)
                support *= options.missingSpecificFactor
            } else if !index.promptKeys.contains(specific.key),
                !index.occurs(specific.key, windowStart: best.start, width: options.windowSentences),
                !supporting.contains(where: { index.occurs(specific.key, windowStart: $0, width: 1) })
            {
                // A name or number from another part of the context: "born in Paris"
                // stitched from a passage about Warsaw and one about Paris.
                elsewhere.append(specific.surface)
                support *= options.elsewhereSpecificFactor
            }
        }
        if !elsewhere.isEmpty {
            findings.append("from elsewhere in the context: " + elsewhere.prefix(3).joined(separator: ", "))
        }
        if !missing.isEmpty {
            findings.append("not in context: " + missing.prefix(3).joined(separator: ", "))
            hard = true
        }

        // Polarity: a negated claim needs a negation in its window; an affirmed
        // claim that one context sentence covers almost whole must not be negated there.
        if !personal, support >= 0.5 {
            let claimNegates = claim.contains { SupportIndex.negations.contains($0.normalized) }
            if claimNegates, !index.negates(windowStart: best.start, width: options.windowSentences),
                !supporting.contains(where: index.negates(sentence:))
            {
                support *= options.negationFactor
                findings.append("negated, the context is not")
                hard = true
            } else if !claimNegates, let sentence = best.sentence, best.sentenceWeight >= 0.8 * total,
                index.negates(sentence: sentence)
            {
                support *= options.negationFactor
                findings.append("the context negates it")
                hard = true
            }
        }
        return Outcome(degree: 1 - support, findings: findings, hard: hard)
    }

    /// A number, a capitalised word inside a sentence, or a capitalised opening
    /// word followed by another (the "Tom" of "Tom Hanks starred…").
    static func isSpecific(_ position: Int, in claim: [TextToken]) -> Bool {
        let token = claim[position]
        if token.kind == .number || token.isProperNoun { return true }
        guard position == 0, position + 1 < claim.count, claim[position + 1].isProperNoun,
            !claim[position + 1].followsComma,
            let first = token.surface.unicodeScalars.first
        else { return false }
        return first.properties.isUppercase && !TextUnits.stopwords.contains(token.normalized)
    }

    static let chatWords: Set<String> = [
        "yes", "yeah", "yep", "yea", "sure", "ok", "okay", "oh", "wow", "great", "cool", "nice", "awesome", "thanks",
        "thank", "hope", "enjoy", "agree", "definitely", "absolutely", "really", "indeed", "right", "correct", "true",
        "good", "fun", "interesting", "glad", "hello", "hi", "bye", "welcome", "please", "sounds", "idea", "too",
        "there", "it", "haha", "lol", "hmm", "well", "actually",
    ]

    static let personalWords: Set<String> = ["i", "me", "my", "mine", "you", "your", "yours", "we", "us", "our"]
}
