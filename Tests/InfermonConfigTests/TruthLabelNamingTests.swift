import InfermonConfig
import InfermonCore
import Testing

/// What a label without a `name` is called follows the stages the file sets up
/// to join labels: the one stage's label name, or none (the name is required).
@Suite("Truth label naming")
struct TruthLabelNamingTests {
    static func naming(_ text: String) throws -> TruthLabelNaming {
        try ConfigurationLoader.load(text: text, file: "test.yaml").truthLabelNaming
    }

    @Test func theOneJoiningStageNamesTheLabel() throws {
        #expect(try Self.naming("performance: {windows: [1h]}\n").defaultName == "outcome")
        #expect(try Self.naming("performance: {label: churned}\n").defaultName == "churned")
        #expect(try Self.naming("quality:\n  gold: [human]\n").defaultName == "hallucinated")
        #expect(try Self.naming("quality:\n  gold: {label: unsupported}\n").defaultName == "unsupported")
        // Both stages with one name: that name.
        #expect(try Self.naming("performance: {label: x}\nquality:\n  gold: {label: x}\n").defaultName == "x")
        // A disabled stage joins nothing.
        #expect(
            try Self.naming("performance: {enabled: false}\nquality:\n  gold: [human]\n").defaultName == "hallucinated")
    }

    @Test func bothOrNeitherRequireTheName() throws {
        let both = try Self.naming("performance: {}\nquality:\n  gold: [human]\n")
        #expect(both.defaultName == nil)
        #expect(both.missing.contains("\"outcome\" (performance.label)"), "\(both.missing)")
        #expect(both.missing.contains("\"hallucinated\" (quality.gold.label)"), "\(both.missing)")
        let neither = try Self.naming("storage: {path: /tmp/x.db}\n")
        #expect(neither.defaultName == nil && neither.missing.contains("outcome"), "\(neither.missing)")
        #expect(neither.missing.contains("hallucinated"))
    }
}
