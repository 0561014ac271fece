import Testing

@testable import Detectors

@Suite struct DriftDetectorTests {
    func normal(_ count: Int, shift: Double = 0, seed: UInt64) -> SortedSample {
        var generator = SeededGenerator(seed: seed)
        return SortedSample((0..<count).map { _ in generator.normal() + shift })
    }

    @Test func benjaminiHochbergMatchesHandComputation() {
        // Sorted p: 0.01, 0.02, 0.03, 0.5 with m = 4 → 0.04, 0.04, 0.04, 0.5 (monotone step-up).
        let adjusted = MultipleTesting.benjaminiHochberg([0.03, 0.5, 0.01, .nan, 0.02])
        #expect(abs(adjusted[0] - 0.04) < 1e-12)
        #expect(abs(adjusted[1] - 0.5) < 1e-12)
        #expect(abs(adjusted[2] - 0.04) < 1e-12)
        #expect(adjusted[3].isNaN)
        #expect(abs(adjusted[4] - 0.04) < 1e-12)
    }

    @Test func smallSamplesAreNeverDrift() {
        let results = DriftDetector.evaluate([
            DriftInput(
                field: "x", reference: .numeric(normal(40, seed: 1)), current: .numeric(normal(40, shift: 5, seed: 2)))
        ])
        #expect(results[0].verdict == .notEnoughData)
        #expect(!results[0].isDrift)
    }

    @Test func automaticChoiceFollowsTheDocumentedRule() {
        let settings = DriftSettings()
        let small = FieldSample.numeric(normal(500, seed: 3))
        let large = FieldSample.numeric(normal(5000, seed: 4))
        let binary = FieldSample.numeric(SortedSample((0..<2000).map { Double($0 % 2) }))
        let smallBinary = FieldSample.numeric(SortedSample((0..<200).map { Double($0 % 2) }))
        let categories = FieldSample.categorical(["a": 600, "b": 700])
        #expect(TestSelection.choose(field: "x", reference: small, current: small, settings: settings) == .ks)
        #expect(TestSelection.choose(field: "x", reference: large, current: small, settings: settings) == .wasserstein)
        #expect(
            TestSelection.choose(field: "x", reference: binary, current: binary, settings: settings) == .jensenShannon)
        #expect(
            TestSelection.choose(field: "x", reference: smallBinary, current: binary, settings: settings) == .chiSquare)
        #expect(
            TestSelection.choose(field: "x", reference: categories, current: categories, settings: settings)
                == .jensenShannon)
        var overridden = settings
        overridden.overrides["x"] = .psi
        overridden.overrides["c"] = .ks
        #expect(TestSelection.choose(field: "x", reference: small, current: small, settings: overridden) == .psi)
        // KS cannot compare categories: the override is ignored for them.
        #expect(
            TestSelection.choose(field: "c", reference: categories, current: categories, settings: overridden)
                == .jensenShannon)
    }

    @Test func halfSigmaShiftIsDetectedAndStableDataIsNot() {
        for referenceSize in [1000, 8000] {
            let reference = normal(referenceSize, seed: 10)
            let same = DriftDetector.evaluate([
                DriftInput(field: "x", reference: .numeric(reference), current: .numeric(normal(1000, seed: 11)))
            ])
            #expect(same[0].verdict == .noDrift, "reference \(referenceSize): \(same[0])")
            let shifted = DriftDetector.evaluate([
                DriftInput(
                    field: "x", reference: .numeric(reference), current: .numeric(normal(1000, shift: 0.5, seed: 12)))
            ])
            #expect(shifted[0].verdict == .drift, "reference \(referenceSize): \(shifted[0])")
        }
    }

    @Test func tinyShiftOnHugeSamplesIsSignificantButBelowTheFloor() {
        let reference = normal(60_000, seed: 20)
        let current = normal(60_000, shift: 0.04, seed: 21)
        var settings = DriftSettings()
        settings.computeAllScores = true
        let result = DriftDetector.evaluate(
            [DriftInput(field: "x", reference: .numeric(reference), current: .numeric(current))], settings: settings)[0]
        #expect(result.test == .wasserstein)
        #expect((result.allScores["ks_pvalue"] ?? 1) < 1e-6)
        #expect(result.statistic < 0.1)
        #expect(result.verdict == .noDrift)
    }

    @Test func calibratedThresholdRisesAboveTheFloorForSmallWindows() {
        // 2,000 reference values against 60 current ones: sampling noise alone gives W ≈ 0.15.
        let result = DriftDetector.evaluate([
            DriftInput(field: "x", reference: .numeric(normal(2000, seed: 30)), current: .numeric(normal(60, seed: 31)))
        ])[0]
        #expect(result.test == .wasserstein)
        #expect(result.threshold > 0.2)
        #expect(result.verdict == .noDrift)
    }

    @Test func calibratedPValuesAreRoughlyUniformUnderTheNull() {
        var small = 0
        let trials = 60
        for trial in 0..<trials {
            let result = DriftDetector.evaluate([
                DriftInput(
                    field: "x", reference: .numeric(normal(3000, seed: UInt64(100 + trial))),
                    current: .numeric(normal(300, seed: UInt64(900 + trial))))
            ])[0]
            if result.pValue < 0.2 { small += 1 }
        }
        // Expect about 12 of 60; far fewer or far more means the null model is off.
        #expect(small >= 3 && small <= 25, "\(small) of \(trials) below 0.2")
    }

    @Test func categoricalShiftIsFoundAndTheMovedBinIsNamed() {
        let reference: [String: Int] = ["stop": 700, "length": 250, "content_filter": 50]
        let current: [String: Int] = ["stop": 550, "length": 400, "content_filter": 50]
        let result = DriftDetector.evaluate([
            DriftInput(field: "finish_reason", reference: .categorical(reference), current: .categorical(current))
        ])[0]
        #expect(result.test == .chiSquare)
        #expect(result.isDrift)
        #expect(Set(result.movedBins.prefix(2).map(\.label)) == ["stop", "length"])
    }

    /// A field with one value on both sides (an empty tenant, an all-`ok` status, a
    /// constant) cannot move: it is "not testable" and stays out of the
    /// Benjamini–Hochberg family, so the field that can drift keeps its power
    /// (alone in the family, its adjusted p-value is its raw one). One category in
    /// the reference and another in the current window is a change, and tested.
    @Test func fieldsWithOneValueAreNotTestableAndLeaveTheFamily() throws {
        let results = DriftDetector.evaluate([
            DriftInput(
                field: "latency", reference: .numeric(normal(600, seed: 30)),
                current: .numeric(normal(600, shift: 0.15, seed: 31))),
            DriftInput(field: "tenant", reference: .categorical(["": 800]), current: .categorical(["": 700])),
            DriftInput(
                field: "status", reference: .categorical(["ok": 900, "error": 0]), current: .categorical(["ok": 650])),
            DriftInput(
                field: "temperature", reference: .numeric(SortedSample([Double](repeating: 0.7, count: 300))),
                current: .numeric(SortedSample([Double](repeating: 0.7, count: 200)))),
            DriftInput(field: "region", reference: .categorical(["eu": 500]), current: .categorical(["us": 500])),
        ])
        let byField = Dictionary(uniqueKeysWithValues: results.map { ($0.field, $0) })
        for field in ["tenant", "status", "temperature"] {
            #expect(byField[field]?.verdict == .notTestable, "\(field)")
            #expect(byField[field]?.isTested == false)
            #expect(byField[field]?.isDrift == false)
        }
        let region = try #require(byField["region"])
        #expect(region.isTested && region.isDrift, "\(region)")
        // Two fields in the family: latency's p is adjusted for two tests, not five.
        let latency = try #require(byField["latency"])
        let expected = MultipleTesting.benjaminiHochberg([latency.pValue, region.pValue])[0]
        #expect(abs(latency.adjustedPValue - expected) < 1e-12, "\(latency.adjustedPValue) vs \(expected)")
    }

    @Test func radixSortAgreesWithTheStandardSort() {
        var generator = SeededGenerator(seed: 5)
        var values = (0..<5000).map { _ in generator.normal() * 1e3 }
        values += [0.0, -0.0, 1e-300, -1e300, .infinity, -.infinity, .nan, 3, 3, 3]
        let sorted = SortedSample(values)
        let expected = values.filter(\.isFinite).sorted()
        #expect(sorted.values == expected)
        #expect(sorted.count == 5000 + 7)
    }
}
