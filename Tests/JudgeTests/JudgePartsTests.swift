import InfermonCore
import Judge
import Testing

@Suite struct JudgePartsTests {
    @Test func theShippedTemplateParsesAndRenders() throws {
        let path = String(#filePath.split(separator: "/Tests/").first!) + "/rules/judge-prompt.txt"
        let prompt = try JudgePrompt(template: readSmallFile(path))
        let candidate = JudgeCandidate(
            eventID: 1, requestID: "r", timestamp: 0, model: "m", route: "/", prompt: "Where?", response: "In Delhi.",
            context: "Head office in Delhi.")
        let user = prompt.render(candidate, maxCharacters: 1000)
        #expect(user.contains("In Delhi.") && user.contains("Head office in Delhi.") && user.contains("Where?"))
        #expect(!user.contains("{{"))
        #expect(prompt.system.contains("\"verdict\""))
    }

    @Test func insertedTextIsNotExpandedAgainAndIsCut() throws {
        let prompt = try JudgePrompt(template: "system\n---user---\nC={{context}} R={{response}} X={{other}}")
        let candidate = JudgeCandidate(
            eventID: 1, requestID: "r", timestamp: 0, model: "m", route: "/", response: "see {{context}}",
            context: String(repeating: "a", count: 50))
        let user = prompt.render(candidate, maxCharacters: 20)
        #expect(user == "C=" + String(repeating: "a", count: 20) + " […] R=see {{context}} X={{other}}")
    }

    @Test func templatesWithoutTheirPartsAreRejected() {
        #expect(throws: InfermonError.self) { try JudgePrompt(template: "only one part {{response}}") }
        #expect(throws: InfermonError.self) { try JudgePrompt(template: "s\n---user---\nno response field") }
    }

    @Test func retryAfterInSecondsOrAsAnHTTPDate() {
        #expect(RetryPolicy.parseRetryAfter("120", now: 0) == 120_000)
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777 s after the epoch.
        #expect(RetryPolicy.parseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_770_000) == 7_000)
        #expect(RetryPolicy.parseRetryAfter("soon", now: 0) == nil)
        #expect(RetryPolicy.isRetryable(status: 429) && RetryPolicy.isRetryable(status: 503))
        #expect(!RetryPolicy.isRetryable(status: 404))
    }

    @Test func apiKeyFromEnvironmentOrFile() throws {
        #expect(
            try LLMJudgeOptions.resolveAPIKey(environmentVariable: "K", file: nil, environment: ["K": "abc"]) == "abc")
        #expect(throws: InfermonError.self) {
            try LLMJudgeOptions.resolveAPIKey(environmentVariable: "K", file: nil, environment: [:])
        }
        #expect(try LLMJudgeOptions.resolveAPIKey(environmentVariable: nil, file: nil, environment: [:]) == nil)
    }

    @Test func verdictParsing() throws {
        let parsed = try VerdictParser.parse(
            " {\"reason\": \"cites Delhi\", \"score\": 0, \"verdict\": \"supported\"}\n")
        #expect(parsed.verdict == .supported && parsed.score == 0 && parsed.reason == "cites Delhi")
        #expect(throws: InfermonError.self) {
            try VerdictParser.parse("{\"verdict\":\"supported\",\"score\":0.2,\"reason\":\"\"}")
        }
    }
}
