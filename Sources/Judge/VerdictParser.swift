import Foundation
public import InfermonCore

/// Reads the judge's answer strictly: the message content must be exactly one
/// JSON object `{"verdict": "supported"|"hallucinated"|"unknown", "score": 0…1,
/// "reason": "…"}` with nothing around it (no prose, no code fence) and no
/// other keys. Anything else is a judge failure, recorded as unknown; guessing
/// a verdict from free text is how a judge silently turns into "supported".
public enum VerdictParser {
    public struct Parsed: Sendable, Equatable {
        public var verdict: Verdict
        public var score: Double
        public var reason: String
    }

    public static let maxReasonLength = 1000

    public static func parse(_ content: String) throws -> Parsed {
        let trimmed = content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{"), trimmed.hasSuffix("}") else {
            throw InfermonError.invalidInput("judge answer is not a bare JSON object")
        }
        let decoded: Answer
        do {
            decoded = try JSONDecoder().decode(Answer.self, from: Data(trimmed.utf8))
        } catch let error as InfermonError {
            throw error
        } catch {
            throw InfermonError.invalidInput("judge answer is not valid verdict JSON: \(error)")
        }
        guard let verdict = Verdict(rawValue: decoded.verdict) else {
            throw InfermonError.invalidInput(
                "judge verdict \"\(decoded.verdict)\" is not supported/hallucinated/unknown")
        }
        guard decoded.score.isFinite, (0...1).contains(decoded.score) else {
            throw InfermonError.invalidInput("judge score \(decoded.score) is outside 0...1")
        }
        let reason = decoded.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= maxReasonLength else {
            throw InfermonError.invalidInput("judge reason is empty or longer than \(maxReasonLength) characters")
        }
        return Parsed(verdict: verdict, score: decoded.score, reason: reason)
    }

    private struct Answer: Decodable {
        var verdict: String
        var score: Double
        var reason: String

        private enum Keys: String, CodingKey, CaseIterable { case verdict, score, reason }

        private struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let all = try decoder.container(keyedBy: AnyKey.self)
            let allowed = Set(Keys.allCases.map(\.rawValue))
            if let extra = all.allKeys.first(where: { !allowed.contains($0.stringValue) }) {
                throw InfermonError.invalidInput("judge answer has unexpected key \"\(extra.stringValue)\"")
            }
            let container = try decoder.container(keyedBy: Keys.self)
            verdict = try container.decode(String.self, forKey: .verdict)
            score = try container.decode(Double.self, forKey: .score)
            reason = try container.decode(String.self, forKey: .reason)
        }
    }
}

/// The parts of a chat-completions response the judge reads.
struct ChatCompletionResponse: Decodable {
    struct Choice: Decodable {
        struct Message: Decodable { var content: String? }
        var message: Message
    }
    struct Usage: Decodable {
        var prompt_tokens: Int?
        var completion_tokens: Int?
    }
    var choices: [Choice]
    var usage: Usage?
}

/// The chat-completions request body.
struct ChatCompletionRequest: Encodable {
    struct Message: Encodable {
        var role: String
        var content: String
    }
    struct ResponseFormat: Encodable { var type = "json_object" }
    var model: String
    var messages: [Message]
    var temperature = 0.0
    var max_tokens: Int
    var response_format: ResponseFormat?
}
