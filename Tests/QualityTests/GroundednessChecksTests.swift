import InfermonCore
import Testing

@testable import Quality

/// The claim-level checks of the groundedness scorer, each on a small pair
/// that the first (context-bag) method got wrong, so every test shows both.
@Suite struct GroundednessChecksTests {
    let scorer = GroundednessScorer()
    let old = GroundednessScorer(options: GroundednessOptions(method: .contextBag))

    /// A biography long enough that its facts sit in separate passages.
    let biography = """
        Marie Curie was born in Warsaw in 1867. She studied at the Flying University there. \
        Her father taught mathematics and physics. Her mother ran a boarding school for girls. \
        In 1891 she moved to study at the Sorbonne. Her laboratory was later rebuilt in Paris.
        """

    @Test func aNameFromAnotherPassageDoesNotSupportTheClaim() {
        let stitched = "Marie Curie was born in Paris."
        #expect(old.score(response: stitched, context: biography).verdict == .supported)
        let result = scorer.score(response: stitched, context: biography)
        #expect(result.verdict == .hallucinated, "\(result)")
        #expect(result.reason.contains("from elsewhere in the context: Paris"))
        #expect(scorer.score(response: "Marie Curie was born in Warsaw.", context: biography).verdict == .supported)
    }

    @Test func aNumberGivenDifferentlyIsContradicted() {
        let context = "The Oberoi Group operates 31 hotels and 48 restaurants in seven countries."
        let wrong = "The Oberoi Group operates 48 hotels."
        #expect(old.score(response: wrong, context: context).verdict == .supported)
        let result = scorer.score(response: wrong, context: context)
        #expect(result.verdict == .hallucinated)
        #expect(result.score == 1)
        #expect(result.reason.contains("contradicted: 48 hotels where the context says 31"), "\(result.reason)")
        #expect(scorer.score(response: "The Oberoi Group operates 31 hotels.", context: context).verdict == .supported)
    }

    @Test func numberWordsMeetDigits() {
        let context = "The Oberoi Group operates 31 hotels in 7 countries across Asia."
        let right = "It operates hotels in seven countries."
        #expect(scorer.score(response: right, context: context).verdict == .supported)
        #expect(
            scorer.score(response: "It operates hotels in nine countries.", context: context).verdict == .hallucinated)
    }

    @Test func aFlippedNegationIsCaught() {
        let context = "The bridge over the river was never completed. Work stopped in 1931 for lack of money."
        let affirmed = "The bridge over the river was completed."
        #expect(old.score(response: affirmed, context: context).verdict == .supported)
        let result = scorer.score(response: affirmed, context: context)
        #expect(result.verdict == .hallucinated, "\(result)")
        #expect(result.reason.contains("the context negates it"))

        let museum = "The city museum opened in 1990 after ten years of building work."
        let denied = "The city museum didn't open in 1990."
        #expect(old.score(response: denied, context: museum).verdict == .supported)
        let deniedResult = scorer.score(response: denied, context: museum)
        #expect(deniedResult.verdict == .hallucinated, "\(deniedResult)")
        #expect(deniedResult.reason.contains("negated, the context is not"))
        #expect(scorer.score(response: "The bridge was never completed.", context: context).verdict == .supported)
    }

    @Test func theDialogueHistoryIsASource() {
        let knowledge = "Zodiac is a crime fiction film. Zodiac is starring Jake Gyllenhaal."
        let history = "[Human]: I love Robert Downey Jr. movies. [Assistant]: He is great in Iron Man."
        let response = "Robert Downey Jr. is in Zodiac too, with Jake Gyllenhaal."
        #expect(scorer.score(response: response, context: knowledge, prompt: history).verdict == .supported)
        let alone = scorer.score(response: response, context: knowledge)
        #expect(alone.verdict == .hallucinated)
        #expect(alone.reason.contains("not in context: Robert, Downey"), "\(alone.reason)")
    }

    @Test func smallTalkAndQuestionsAreNotClaims() {
        let knowledge = "Zodiac is a crime fiction film. Zodiac is starring Jake Gyllenhaal."
        let history = "[Human]: Have you seen Zodiac?"
        let response = "Oh I loved it! Jake Gyllenhaal starred in it. Have you seen his other films?"
        #expect(old.score(response: response, context: knowledge, prompt: history).verdict == .hallucinated)
        let result = scorer.score(response: response, context: knowledge, prompt: history)
        #expect(result.verdict == .supported, "\(result)")
        #expect(result.claims == 1)
        // A name in small talk is still held to the sources.
        let invented = "Oh I loved it! Tom Hanks was great in it."
        #expect(scorer.score(response: invented, context: knowledge, prompt: history).verdict == .hallucinated)
    }

    @Test func aMissingOrTinyContextAbstains() {
        for context in ["", "  ", "N/A", "See above."] {
            let result = scorer.score(response: "The Oberoi Group was founded in 1934.", context: context)
            #expect(result.verdict == .unknown, "\(context): \(result)")
            #expect(result.abstained)
            #expect(result.scoreIfJudged == nil)
            #expect(result.reason.contains("context missing or too short"))
        }
        #expect(old.score(response: "The Oberoi Group was founded in 1934.", context: "").verdict == .hallucinated)
        let judged = scorer.score(response: "It was founded in 1934.", context: "The group was founded in 1934.")
        #expect(!judged.abstained)
        #expect(judged.scoreIfJudged == judged.score)
    }

    @Test func contractionsCarryTheirNegation() {
        let tokens = TextUnits.sentences("He didn't go, but she can't stay. It's Arthur's.")
        #expect(tokens[0].map(\.normalized) == ["he", "didn", "not", "go", "but", "she", "can", "not", "stay"])
        #expect(tokens[1].map(\.normalized) == ["it", "arthur"])
        #expect(TextUnits.sentences("Did it open?")[0].last?.endsQuestion == true)
        #expect(TextUnits.sentences("It opened.")[0].last?.endsQuestion == false)
    }

    @Test func wordNoveltyIsTheShareOfUnseenWords() {
        #expect(GroundednessScorer.wordNovelty(response: "the cat sat", context: "The cat sat down.") == 0)
        #expect(GroundednessScorer.wordNovelty(response: "the dog sat there", context: "The cat sat.") == 0.5)
        #expect(GroundednessScorer.wordNovelty(response: "dogs", context: "", prompt: "dogs bark") == 0)
    }
}
