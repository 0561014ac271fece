import InfermonConfig
import InfermonCore
import Quality
import Testing

/// `quality.gold`: the short list form, the mapping, and their errors.
@Suite("Quality gold configuration")
struct QualityGoldConfigTests {
    static func load(_ text: String) throws -> Configuration {
        try ConfigurationLoader.load(text: text, file: "test.yaml")
    }

    @Test func defaultsShortFormAndMapping() throws {
        #expect(try Self.load("").quality.options.gold == GoldOptions())
        #expect(GoldOptions().sources == ["human", "judge"] && GoldOptions().agreementFloor == 0.4)
        let short = try Self.load("quality:\n  gold: [judge, human, feedback]\n")
        #expect(short.quality.options.gold.sources == ["judge", "human", "feedback"])
        let full = try Self.load(
            """
            quality:
              gold:
                sources: [human]
                label: faithful_violation
                min_labels: 50
                agreement_floor: 0.6
                horizon: 2d
            """)
        let gold = full.quality.options.gold
        #expect(gold.sources == ["human"] && gold.labelName == "faithful_violation")
        #expect(gold.minimumLabels == 50 && gold.agreementFloor == 0.6 && gold.horizon == .seconds(2 * 86_400))
    }

    @Test func unknownKeysAndBadValuesAreRefused() {
        #expect(throws: InfermonError.self) { try Self.load("quality:\n  gold: {sources: [human], floor: 0.5}\n") }
        #expect(throws: InfermonError.self) { try Self.load("quality:\n  gold: {min_labels: 1}\n") }
        #expect(throws: InfermonError.self) { try Self.load("quality:\n  gold: {horizon: soon}\n") }
    }
}
