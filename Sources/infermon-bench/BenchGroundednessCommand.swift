import ArgumentParser
import Foundation
import InfermonCore
import Quality

/// Evaluates the built-in groundedness scorer on HaluEval QA
/// (`dataset_halueval_qa.jsonl`): every line gives a knowledge passage, a
/// question, a right answer and a hallucinated answer, so each line is one
/// positive and one negative for the same context. Reported on all pairs and
/// on length-matched pairs (answers whose word counts differ by at most the
/// tolerance), next to a length-only baseline, so a scorer that merely
/// rewards short answers shows up as such.
struct BenchGroundednessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groundedness",
        abstract: "Evaluate the groundedness scorer on HaluEval QA (ROC AUC, precision, recall).")

    @Option(help: ArgumentHelp("HaluEval QA JSONL file.", valueName: "path")) var file: String
    @Option(help: "Hallucination threshold on the unsupported share (default: the scorer's).") var threshold: Double?
    @Option(help: "Largest word-count difference for a pair to count as length-matched.") var lengthTolerance = 1
    @Option(help: "Use only the first N pairs (0 = all).") var limit = 0
    @Flag(help: "Leave the question out of the support (the service counts the prompt as support; the default too).")
    var noQuestion = false
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Option(help: "Print up to N hallucinated answers the scorer missed, to see why.") var showMisses = 0

    private struct Row: Decodable {
        var knowledge: String
        var question: String
        var right_answer: String
        var hallucinated_answer: String
    }

    func run() throws {
        var options = GroundednessOptions()
        if let threshold { options.threshold = threshold }
        let scorer = GroundednessScorer(options: options)
        guard let handle = FileHandle(forReadingAtPath: file) else {
            throw InfermonError.io("cannot read \(file)")
        }
        let data = handle.readDataToEndOfFile()
        let decoder = JSONDecoder()
        var all = Evaluation()
        var matched = Evaluation()
        let started = monotonicNanoseconds()
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            if limit > 0 && all.pairs >= limit { break }
            let row = try decoder.decode(Row.self, from: Data(line))
            let prompt = noQuestion ? nil : row.question
            let right = scorer.score(response: row.right_answer, context: row.knowledge, prompt: prompt)
            let wrong = scorer.score(response: row.hallucinated_answer, context: row.knowledge, prompt: prompt)
            let rightWords = wordCount(row.right_answer)
            let wrongWords = wordCount(row.hallucinated_answer)
            all.add(right: right, rightWords: rightWords, wrong: wrong, wrongWords: wrongWords)
            if all.misses < showMisses, wrong.verdict != .hallucinated {
                all.misses += 1
                print("missed (score \(wrong.score)): \(row.hallucinated_answer)\n  question: \(row.question)\n")
            }
            if abs(rightWords - wrongWords) <= lengthTolerance {
                matched.add(right: right, rightWords: rightWords, wrong: wrong, wrongWords: wrongWords)
            }
        }
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        let results = [("all", all), ("length_matched", matched)]
        if json {
            let parts = results.map { name, evaluation in "\"\(name)\":\(evaluation.json)" }
            print("{\"threshold\":\(options.threshold),\"seconds\":\(seconds),\(parts.joined(separator: ","))}")
            return
        }
        print("groundedness scorer on \(file), threshold \(options.threshold), \(String(format: "%.1f", seconds)) s")
        for (name, evaluation) in results { print(evaluation.text(name)) }
    }

    private func wordCount(_ text: String) -> Int { text.split(whereSeparator: \.isWhitespace).count }

    /// Scores and labels of one subset.
    private struct Evaluation {
        var pairs = 0
        var scores: [Double] = []
        var lengths: [Double] = []
        var labels: [Bool] = []
        var predicted: [Bool] = []
        var unknown = 0
        var misses = 0

        mutating func add(right: GroundednessResult, rightWords: Int, wrong: GroundednessResult, wrongWords: Int) {
            pairs += 1
            for (result, words, label) in [(right, rightWords, false), (wrong, wrongWords, true)] {
                scores.append(result.score)
                lengths.append(Double(words))
                labels.append(label)
                predicted.append(result.verdict == .hallucinated)
                if result.verdict == .unknown { unknown += 1 }
            }
        }

        var metrics: ClassifierMetrics { ClassifierMetrics(scores: scores, labels: labels, predicted: predicted) }
        var lengthAUC: Double { ClassifierMetrics.auc(scores: lengths, labels: labels) }

        var json: String {
            let m = metrics
            return
                "{\"pairs\":\(pairs),\"roc_auc\":\(m.rocAUC),\"precision\":\(m.precision),\"recall\":\(m.recall),\"f1\":\(m.f1),\"accuracy\":\(m.accuracy),\"unknown\":\(unknown),\"length_only_auc\":\(lengthAUC)}"
        }

        func text(_ name: String) -> String {
            let m = metrics
            func f(_ value: Double) -> String { String(format: "%.3f", value) }
            return
                "\(name): \(pairs) pairs  ROC AUC \(f(m.rocAUC))  precision \(f(m.precision))  recall \(f(m.recall))  F1 \(f(m.f1))  accuracy \(f(m.accuracy))  unknown \(unknown)  (length-only AUC \(f(lengthAUC)))"
        }
    }
}
