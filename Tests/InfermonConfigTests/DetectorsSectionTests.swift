import Detectors
import InfermonConfig
import InfermonCore
import Testing

@Suite struct DetectorsSectionTests {
    @Test func readsEveryKey() throws {
        let config = try ConfigurationLoader.load(
            text: """
                detectors:
                  interval: 30s
                  window: 2h
                  reference:
                    baseline: launch
                  alpha: 0.01
                  min_samples: 100
                  bootstrap: 200
                  thresholds: {wasserstein: 0.2, psi: 0.25}
                  tests: {latency: ks, "features.age": psi}
                  exclude: [tenant]
                  outlier_cut: 4
                  anomaly: {smoothing: 0.2, seasonal_smoothing: 0.1, utc_offset_hours: 2}
                  change_point: {k: 0.25, h: 10, warmup: 30, min_scale: 0.02}
                  judge_score_feature: grade
                  max_events_per_model: 5000
                """, file: "test.yaml")
        let section = config.detectors
        #expect(section.interval == .seconds(30))
        #expect(section.window == .seconds(7200))
        #expect(section.reference == .baseline(name: "launch"))
        #expect(section.drift.alpha == 0.01)
        #expect(section.drift.minimumSamples == 100)
        #expect(section.drift.bootstrapReplicates == 200)
        #expect(section.drift.floors[.wasserstein] == 0.2 && section.drift.floors[.psi] == 0.25)
        #expect(section.drift.overrides == ["latency": .ks, "features.age": .psi])
        #expect(section.excludedFields == ["tenant"])
        #expect(section.outlierCut == 4)
        #expect(section.seasonal.utcOffsetHours == 2)
        #expect(section.changePoint.h == 10)
        #expect(section.judgeScoreFeature == "grade")
        #expect(section.maximumEventsPerModel == 5000)
    }

    @Test func fixedReferenceAndDefaults() throws {
        let config = try ConfigurationLoader.load(
            text: "detectors:\n  reference: {from: 2026-01-01T00:00:00Z, to: 2026-01-08T00:00:00Z}\n", file: "t.yaml")
        #expect(config.detectors.reference == .fixed(from: 1_767_225_600_000, through: 1_767_830_400_000))
        #expect(Configuration().detectors == DetectorOptions())
        #expect(DetectorOptions().reference == .previousPeriod(length: .seconds(86_400)))
    }

    @Test func errorsPointAtTheValue() {
        do {
            _ = try ConfigurationLoader.load(
                text: "detectors:\n  tests:\n    latency: kolmogorov\n", file: "bad.yaml")
            Issue.record("accepted an unknown test")
        } catch let error as InfermonError {
            #expect(error.description.contains("bad.yaml:3"))
            #expect(error.description.contains("kolmogorov"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(throws: InfermonError.self) {
            try ConfigurationLoader.load(
                text: "detectors:\n  reference: {previous: 1h, baseline: x}\n", file: "b.yaml")
        }
        #expect(throws: InfermonError.self) {
            try ConfigurationLoader.load(text: "detectors:\n  alpha: 2\n", file: "b.yaml")
        }
    }
}
