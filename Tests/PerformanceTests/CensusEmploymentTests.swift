import Foundation
import InfermonCore
import Testing

@testable import Performance

/// CBPE and realised performance on the US-census employment data that the
/// nannyml PyPI package ships, against NannyML 0.13.1's own numbers on the same
/// chunks (testdata/make-census-fixture.py wrote both files: 5,000 reference rows,
/// 8 analysis chunks of 2,000; NannyML decided the scores need isotonic calibration).
@Suite struct CensusEmploymentTests {
    struct Fixture {
        var referenceProbabilities: [Double] = []
        var referenceTruths: [Bool] = []
        var analysisProbabilities: [Double] = []
        var analysisTruths: [Bool] = []
        var nannyml: [[String: [String: Double]]] = []
        var chunkSize = 0
    }

    static func load() throws -> Fixture {
        guard
            let csvURL = Bundle.module.url(
                forResource: "census-employment", withExtension: "csv", subdirectory: "testdata"),
            let jsonURL = Bundle.module.url(
                forResource: "census-employment-nannyml", withExtension: "json", subdirectory: "testdata")
        else { throw CocoaError(.fileNoSuchFile) }
        var fixture = Fixture()
        for line in try String(contentsOf: csvURL, encoding: .utf8).split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",")
            guard fields.count == 3, let probability = Double(fields[1]) else { continue }
            let truth = fields[2] == "1"
            if fields[0] == "reference" {
                fixture.referenceProbabilities.append(probability)
                fixture.referenceTruths.append(truth)
            } else {
                fixture.analysisProbabilities.append(probability)
                fixture.analysisTruths.append(truth)
            }
        }
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: jsonURL)) as? [String: Any] ?? [:]
        fixture.chunkSize = document["chunk_size"] as? Int ?? 0
        for chunk in document["chunks"] as? [[String: Any]] ?? [] {
            fixture.nannyml.append(chunk["metrics"] as? [String: [String: Double]] ?? [:])
        }
        return fixture
    }

    /// Per chunk and metric: (ours, NannyML's) for estimate, sampling error, realised.
    struct Row {
        var chunk: Int
        var metric: String
        var estimate: Double
        var theirEstimate: Double
        var samplingError: Double
        var theirSamplingError: Double
        var realised: Double
        var theirRealised: Double
    }

    static func compare() throws -> [Row] {
        let fixture = try load()
        let calibration = try #require(
            IsotonicCalibration(probabilities: fixture.referenceProbabilities, truths: fixture.referenceTruths))
        let spread = try #require(
            ReferenceSpread(probabilities: fixture.referenceProbabilities, truths: fixture.referenceTruths))
        var rows: [Row] = []
        for (index, theirs) in fixture.nannyml.enumerated() {
            let range = (index * fixture.chunkSize)..<((index + 1) * fixture.chunkSize)
            let scores = Array(fixture.analysisProbabilities[range])
            let truths = Array(fixture.analysisTruths[range])
            let estimate = try #require(
                ConfidenceBasedEstimate(probabilities: scores, calibrated: scores.map { calibration($0) }))
            let realised = try #require(ClassifierPerformance(probabilities: scores, truths: truths))
            let estimates = Dictionary(uniqueKeysWithValues: estimate.named)
            let realisedValues = Dictionary(uniqueKeysWithValues: realised.named)
            for metric in ["roc_auc", "f1", "precision", "recall", "accuracy"] {
                let their = try #require(theirs[metric])
                rows.append(
                    Row(
                        chunk: index, metric: metric, estimate: try #require(estimates[metric]),
                        theirEstimate: their["estimate"]!,
                        samplingError: try #require(spread.samplingError(metric, count: scores.count)),
                        theirSamplingError: their["sampling_error"]!, realised: try #require(realisedValues[metric]),
                        theirRealised: their["realised"]!))
            }
        }
        return rows
    }

    @Test func realisedPerformanceIsNannyMLs() throws {
        let rows = try Self.compare()
        #expect(rows.count == 40)
        for row in rows {
            // The fixture keeps six decimals of each probability: rounding ties a few
            // scores NannyML saw apart, which moves ROC AUC by under 1e-6.
            #expect(abs(row.realised - row.theirRealised) < 1e-6, "chunk \(row.chunk) \(row.metric)")
        }
    }

    @Test func estimatesAndSamplingErrorsMatchNannyML() throws {
        let rows = try Self.compare()
        var worstEstimate = 0.0
        var worstError = 0.0
        for row in rows {
            worstEstimate = max(worstEstimate, abs(row.estimate - row.theirEstimate))
            worstError = max(worstError, abs(row.samplingError - row.theirSamplingError) / row.theirSamplingError)
            #expect(abs(row.estimate - row.theirEstimate) < 1e-4, "chunk \(row.chunk) \(row.metric) estimate")
            #expect(
                abs(row.samplingError - row.theirSamplingError) <= 0.01 * row.theirSamplingError,
                "chunk \(row.chunk) \(row.metric) sampling error \(row.samplingError) vs \(row.theirSamplingError)")
        }
        print(
            "census: largest estimate difference \(worstEstimate), largest relative sampling-error difference \(worstError)"
        )
    }

    @Test func theIntervalHoldsTheRealisedValueAsOftenAsNannyMLs() throws {
        let rows = try Self.compare()
        let ours = rows.filter { abs($0.realised - $0.estimate) <= 3 * $0.samplingError }.count
        let theirs = rows.filter { abs($0.theirRealised - $0.theirEstimate) <= 3 * $0.theirSamplingError }.count
        #expect(ours == theirs)
        #expect(ours >= 36, "±3σ should hold nearly every chunk: \(ours) of 40")
        let meanAbsoluteError = rows.map { abs($0.realised - $0.estimate) }.reduce(0, +) / Double(rows.count)
        print(
            "census: realised within ±3σ in \(ours)/40 chunk-metrics; mean |estimate − realised| \(meanAbsoluteError)")
    }

    /// The README's table (printed; `swift test --filter CensusEmploymentTests` shows it).
    @Test func printsTheComparisonTable() throws {
        let rows = try Self.compare()
        func fixed(_ value: Double) -> String { String(format: "%.4f", value) }
        var table =
            "| chunk | metric | infermon estimate ± 3σ | NannyML estimate ± 3σ | realised |\n|---|---|---|---|---|\n"
        for row in rows where row.metric == "roc_auc" || row.metric == "accuracy" {
            table +=
                "| \(row.chunk) | \(row.metric) | \(fixed(row.estimate)) ± \(fixed(3 * row.samplingError)) | "
                + "\(fixed(row.theirEstimate)) ± \(fixed(3 * row.theirSamplingError)) | \(fixed(row.realised)) |\n"
        }
        print(table)
        #expect(rows.count == 40)
    }
}
