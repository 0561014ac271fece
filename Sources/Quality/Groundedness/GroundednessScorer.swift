public import InfermonCore

/// Knobs of the built-in groundedness judge.
public struct GroundednessOptions: Sendable, Equatable {
    /// How claims are checked against the context.
    public enum Method: String, Sendable, Equatable, CaseIterable {
        /// Each claim against its best window of consecutive context sentences,
        /// with entity, number and negation checks (the default).
        case claimWindows = "claim_windows"
        /// Each claim against one bag of every context word: the first method,
        /// kept so benchmarks can compare the two on the same data.
        case contextBag = "context_bag"
    }

    /// A response is hallucinated when its unsupported share is above this.
    public var threshold: Double
    /// How much one number, date or name that the context never mentions costs a
    /// claim: its support is multiplied by this for each one.
    public var missingSpecificFactor: Double
    public var method: Method
    /// The same for a name or number that the context mentions, but only
    /// outside the claim's best window (a fact stitched from two passages).
    public var elsewhereSpecificFactor: Double
    /// Consecutive context sentences a claim may draw its support from. One
    /// measured best on the HaluEval tuning pairs (wider windows let summary
    /// sentences borrow words from neighbouring passages); see the README.
    public var windowSentences: Int
    /// Below this many distinct content words of context the scorer abstains:
    /// a one-word context cannot show that anything is unsupported.
    public var minimumContextWords: Int
    /// A claim that the context states with the opposite polarity ("opened" vs
    /// "never opened") keeps this share of its support.
    public var negationFactor: Double
    /// Weight of a common word in a first- or second-person claim, against 1
    /// elsewhere: "I love that film" is small talk, its names are the facts.
    public var personalWordWeight: Double
    /// A context of at least this many sentences is a document (an article to
    /// summarise) rather than a passage; 0 (the default) treats every context
    /// as a passage. Against a document, a response past the threshold on word
    /// coverage alone, with no hard evidence (a name or number the sources never
    /// mention, a number given differently, a flipped negation), is not called
    /// hallucinated: the scorer abstains. Off by default: on HaluEval's
    /// summaries hard evidence is found more often in faithful summaries than
    /// in hallucinated ones, so this cut false positives to 33 % only by
    /// dropping recall to 27 % (README, Groundedness scorer accuracy).
    public var documentSentences: Int
    /// Against a document, the context sentences (not necessarily neighbours)
    /// a claim may draw its support from together; 1 (the default) keeps the
    /// window alone. Measured on HaluEval's summaries it moves every score down
    /// without separating them better (AUC 0.664 at 2 against 0.665 at 1).
    public var documentCoverSentences: Int

    public init(
        threshold: Double = 0.2, missingSpecificFactor: Double = 0.4, method: Method = .claimWindows,
        windowSentences: Int = 1, minimumContextWords: Int = 3, negationFactor: Double = 0.3,
        personalWordWeight: Double = 0.25, elsewhereSpecificFactor: Double = 0.7, documentSentences: Int = 0,
        documentCoverSentences: Int = 1
    ) {
        self.documentSentences = documentSentences
        self.documentCoverSentences = documentCoverSentences
        self.threshold = threshold
        self.missingSpecificFactor = missingSpecificFactor
        self.method = method
        self.windowSentences = windowSentences
        self.minimumContextWords = minimumContextWords
        self.negationFactor = negationFactor
        self.personalWordWeight = personalWordWeight
        self.elsewhereSpecificFactor = elsewhereSpecificFactor
    }
}

/// The scorer's answer for one response.
public struct GroundednessResult: Sendable, Equatable {
    public var verdict: Verdict
    /// Unsupported share in [0, 1]: the mean over claims of how unsupported each
    /// is. When `abstained` it is 0 (nothing to check) or, for a document
    /// paraphrase without hard evidence, the share measured (for benchmarks);
    /// either way callers should store no score then.
    public var score: Double
    public var claims: Int
    /// Claims whose own unsupported degree is above one half.
    public var unsupportedClaims: Int
    /// Claims with hard evidence against them: a name or number the sources
    /// never mention, a number given differently, or a flipped negation.
    public var claimsWithHardEvidence = 0
    public var reason: String
    /// The scorer gave no score (verdict `unknown`): the context was missing or
    /// too short, or the response made no checkable claim.
    public var abstained = false

    /// The score, or nil when the scorer abstained: what a judgment should store.
    public var scoreIfJudged: Double? { abstained ? nil : score }
}

/// A judge that needs no network: it splits the response into claims (sentences
/// and clauses) and checks each against the retrieved context and the prompt
/// (the question or dialogue history, which a response may legitimately restate).
///
/// A claim's support is the weighted share of its content words (stemmed) found
/// in its best window of a few consecutive context sentences or in the prompt,
/// cut down for every number or name the context never mentions (that is where
/// fabrications live), to nothing for a number the context gives differently
/// ("48 hotels" against "31 hotels"), and sharply for a flipped negation.
/// Questions claim nothing and are skipped; first- and second-person chat
/// ("I love that film!") is judged on its names and numbers only. The score is
/// the mean over claims of (1 − support), so a long answer is not penalised for
/// being long, only for the share of it that floats free.
public struct GroundednessScorer: Sendable {
    public let options: GroundednessOptions

    public init(options: GroundednessOptions = GroundednessOptions()) { self.options = options }

    public func score(response: String, context: String, prompt: String? = nil) -> GroundednessResult {
        if options.method == .contextBag {
            return ContextBagScorer(options: options).score(response: response, context: context, prompt: prompt)
        }
        let index = SupportIndex(context: context, prompt: prompt)
        guard index.contextContentKeys >= options.minimumContextWords else {
            return Self.abstain("context missing or too short to judge (\(index.contextContentKeys) content words)")
        }
        let checker = ClaimChecker(index: index, options: options)
        var unsupportedSum = 0.0
        var claimCount = 0
        var unsupportedClaims = 0
        var hardClaims = 0
        var worst: ClaimChecker.Outcome?
        for claim in ClaimSplitter.claims(TextUnits.sentences(response)) {
            guard let outcome = checker.check(claim) else { continue }
            claimCount += 1
            unsupportedSum += outcome.degree
            if outcome.degree > 0.5 { unsupportedClaims += 1 }
            if outcome.hard { hardClaims += 1 }
            if outcome.degree > (worst?.degree ?? 0) { worst = outcome }
        }
        guard claimCount > 0 else { return Self.abstain("no checkable claims") }
        let score = unsupportedSum / Double(claimCount)
        var verdict: Verdict = score > options.threshold ? .hallucinated : .supported
        var reason = "\(unsupportedClaims) of \(claimCount) claims unsupported by the context"
        if let worst, !worst.findings.isEmpty { reason += "; " + worst.findings.joined(separator: "; ") }
        let isDocument = options.documentSentences > 0 && index.sentenceCount >= options.documentSentences
        var abstained = false
        if verdict == .hallucinated, isDocument, hardClaims == 0 {
            verdict = .unknown
            abstained = true
            reason +=
                "; a paraphrase of a \(index.sentenceCount)-sentence document with no name, number or"
                + " negation against it: word coverage alone cannot tell"
        }
        return GroundednessResult(
            verdict: verdict, score: score, claims: claimCount, unsupportedClaims: unsupportedClaims,
            claimsWithHardEvidence: hardClaims, reason: reason, abstained: abstained)
    }

    /// The word-novelty baseline the benchmark reports beside the scorer: the
    /// share of the response's words (lowercased, all of them) that appear
    /// nowhere in the context or prompt. Not used for judging.
    public static func wordNovelty(response: String, context: String, prompt: String? = nil) -> Double {
        var known = Set<String>()
        for sentence in TextUnits.sentences(context) + TextUnits.sentences(prompt ?? "") {
            for token in sentence { known.insert(token.normalized) }
        }
        var words = 0
        var novel = 0
        for sentence in TextUnits.sentences(response) {
            for token in sentence where !token.isContractedNegation {
                words += 1
                if !known.contains(token.normalized) { novel += 1 }
            }
        }
        return words == 0 ? 0 : Double(novel) / Double(words)
    }

    private static func abstain(_ reason: String) -> GroundednessResult {
        GroundednessResult(
            verdict: .unknown, score: 0, claims: 0, unsupportedClaims: 0, reason: reason, abstained: true)
    }
}
