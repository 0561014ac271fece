import InfermonCore
import Quality
import Testing

@Suite struct SamplerTests {
    @Test func samplingIsDeterministicAndNearTheRate() {
        let sampler = EventSampler(defaultRate: 0.1)
        let again = EventSampler(defaultRate: 0.1)
        var picked = 0
        for index in 0..<20_000 {
            let id = "req-\(index)"
            let first = sampler.isSampled(requestID: id, timestamp: 0, model: "m", route: "/r")
            #expect(first == again.isSampled(requestID: id, timestamp: 99, model: "m", route: "/r"))
            if first { picked += 1 }
        }
        // 10% of 20,000 with a binomial sd of about 42.
        #expect(abs(picked - 2000) < 200)
    }

    @Test func raisingTheRateOnlyAddsEvents() {
        let low = EventSampler(defaultRate: 0.05)
        let high = EventSampler(defaultRate: 0.2)
        for index in 0..<5000 where low.isSampled(requestID: "id\(index)", timestamp: 0, model: "", route: "") {
            #expect(high.isSampled(requestID: "id\(index)", timestamp: 0, model: "", route: ""))
        }
    }

    @Test func firstMatchingRuleWins() {
        let sampler = EventSampler(
            rules: [SamplingRule(model: "gpt-4o", route: "/support", rate: 1), SamplingRule(model: "gpt-4o", rate: 0)],
            defaultRate: 0.5)
        #expect(sampler.rate(model: "gpt-4o", route: "/support") == 1)
        #expect(sampler.rate(model: "gpt-4o", route: "/chat") == 0)
        #expect(sampler.rate(model: "llama", route: "/support") == 0.5)
        #expect(!sampler.isSampled(requestID: "x", timestamp: 0, model: "gpt-4o", route: "/chat"))
    }

    @Test func eligibility() {
        #expect(JudgeEligibility(hasResponse: true, hasContext: true, hasFeedback: false).groundedness)
        #expect(!JudgeEligibility(hasResponse: true, hasContext: false, hasFeedback: true).groundedness)
        #expect(!JudgeEligibility(hasResponse: false, hasContext: true, hasFeedback: true).any)
    }
}

@Suite struct GroundednessTests {
    let scorer = GroundednessScorer()
    let context = """
        The Oberoi Group is a hotel company with its head office in Delhi. It was founded in 1934 \
        by Mohan Singh Oberoi and operates 31 hotels in seven countries.
        """

    @Test func supportedAnswersPass() {
        for answer in [
            "Delhi", "The Oberoi Group has its head office in Delhi.",
            "It was founded in 1934 by Mohan Singh Oberoi, and it operates 31 hotels.",
        ] {
            let result = scorer.score(response: answer, context: context)
            #expect(result.verdict == .supported, "\(answer): \(result)")
        }
    }

    @Test func fabricatedSpecificsAreCaught() {
        for answer in [
            "The Oberoi Group has its head office in Mumbai.", "It was founded in 1952 by Mohan Singh Oberoi.",
            "The company operates 48 hotels across Europe, managed by Hilton.",
        ] {
            let result = scorer.score(response: answer, context: context)
            #expect(result.verdict == .hallucinated, "\(answer): \(result)")
            // 1952 against the context's "1934 by Mohan" is now reported as contradicted.
            #expect(result.reason.contains("not in context") || result.reason.contains("contradicted"))
        }
    }

    @Test func lengthAloneDoesNotMakeAnAnswerHallucinated() {
        let short = scorer.score(response: "Delhi.", context: context)
        let long = scorer.score(
            response: "The Oberoi Group is a hotel company. Its head office is in Delhi. It was founded in 1934. "
                + "It was founded by Mohan Singh Oberoi. It operates 31 hotels in seven countries.",
            context: context)
        #expect(short.score == 0)
        #expect(long.score < 0.1)
        #expect(long.claims == 5)
        // One fabricated clause among five supported ones raises the share, not to the top.
        let mixed = scorer.score(
            response: "The Oberoi Group is a hotel company. Its head office is in Delhi. It was founded in 1934. "
                + "It was founded by Mohan Singh Oberoi. It operates 31 hotels, but its largest is in Sydney.",
            context: context)
        #expect(mixed.score > long.score)
        #expect(mixed.unsupportedClaims == 1)
    }

    @Test func theQuestionCountsAsSupportForRestatedWords() {
        let withPrompt = scorer.score(
            response: "The Oberoi family business is headquartered in Delhi.", context: "Its head office is in Delhi.",
            prompt: "Where is the Oberoi family business headquartered?")
        let without = scorer.score(
            response: "The Oberoi family business is headquartered in Delhi.", context: "Its head office is in Delhi.")
        #expect(withPrompt.score < without.score)
    }

    @Test func nothingToCheckIsUnknown() {
        #expect(scorer.score(response: "Yes.", context: context).verdict == .unknown)
    }

    @Test func numbersMatchAcrossSpellings() {
        let result = scorer.score(response: "Revenue was 1,000 dollars.", context: "Revenue: 1000 dollars in total.")
        #expect(result.verdict == .supported)
    }
}
