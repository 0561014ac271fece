import InfermonCore
import Testing

@testable import Quality

/// The two document options of the groundedness scorer (off by default, kept for
/// the benchmark): abstaining on a document paraphrase without hard evidence, and
/// support drawn from a few context sentences that are not neighbours.
@Suite struct GroundednessDocumentOptionsTests {
    /// Six sentences: a document once `documentSentences` is six or fewer.
    let biography = """
        Marie Curie was born in Warsaw in 1867. She studied at the Flying University there. \
        Her father taught mathematics and physics. Her mother ran a boarding school for girls. \
        In 1891 she moved to study at the Sorbonne. Her laboratory was later rebuilt in Paris.
        """

    func scorer(documentSentences: Int = 0, cover: Int = 1) -> GroundednessScorer {
        GroundednessScorer(
            options: GroundednessOptions(documentSentences: documentSentences, documentCoverSentences: cover))
    }

    @Test func aDocumentParaphraseWithoutHardEvidenceIsNotJudged() {
        let paraphrase = "She disliked lectures and preferred painting quiet landscapes."
        let passage = scorer().score(response: paraphrase, context: biography)
        #expect(passage.verdict == .hallucinated && passage.claimsWithHardEvidence == 0, "\(passage)")
        let document = scorer(documentSentences: 5).score(response: paraphrase, context: biography)
        #expect(document.verdict == .unknown && document.abstained && document.scoreIfJudged == nil, "\(document)")
        #expect(document.reason.contains("word coverage alone cannot tell"))
        // Shorter than the document size: still a passage, still judged.
        #expect(scorer(documentSentences: 7).score(response: paraphrase, context: biography).verdict == .hallucinated)
    }

    @Test func hardEvidenceIsJudgedInADocumentToo() {
        let result = scorer(documentSentences: 5).score(
            response: "Marie Curie was born in Berlin in 1867.", context: biography)
        #expect(result.verdict == .hallucinated && !result.abstained, "\(result)")
        #expect(result.claimsWithHardEvidence == 1)
        #expect(result.reason.contains("not in context: Berlin"))
    }

    @Test func aClaimFusingTwoDistantSentencesIsSupportedByTheirCover() {
        let fused = "Curie studied at the Flying University, whose laboratory was later rebuilt."
        let window = scorer(documentSentences: 5).score(response: fused, context: biography)
        let cover = scorer(documentSentences: 5, cover: 2).score(response: fused, context: biography)
        #expect(cover.score < window.score, "cover \(cover.score), window \(window.score)")
        // Outside a document the cover is not used.
        #expect(scorer(cover: 2).score(response: fused, context: biography).score == window.score)
    }
}
