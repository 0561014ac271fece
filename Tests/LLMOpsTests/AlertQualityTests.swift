import InfermonConfig
import InfermonCore
import InfermonTesting
import Testing
import TrafficSimulator

@testable import infermon_bench

/// The alert-quality replay (`infermon-bench alert-quality`) on three hours:
/// a quiet stretch with the usual noise, then a latency incident, an error
/// incident and an outage, through the shipped serving rules. Nothing fires
/// that was not planted, and each incident is notified within its kind's
/// stated delay. The full figure (two quiet days and a day of incidents of
/// every kind) is the bench's, in release; in a debug build it would take
/// about twenty minutes.
@Suite("Alert quality")
struct AlertQualityTests {
    static let allowedDelay: [AlertQualityScenario.Kind: Int64] = [
        .latency: 20 * Time.minute, .errors: 20 * Time.minute, .cost: 30 * Time.minute, .outage: 35 * Time.minute,
    ]

    @Test func aQuietStretchNotifiesNothingAndEachPlantedIncidentIsNotifiedInTime() async throws {
        var day = AlertQualityScenario.noisy(.quiet)
        let m = Time.minute
        day.latencyIncidents = [(40 * m)..<(85 * m)]
        day.modelErrorIncidents = [("gpt-4o-mini", 0.2, (90 * m)..<(120 * m))]
        day.outages = [("claude-3-5-sonnet", (110 * m)..<(170 * m))]
        // The simulator's day starts at `start`: these three hours run at a third to a half of the
        // average load, a few requests a minute per route, where a 5-minute window is mostly noise.
        let scenario = AlertQualityScenario(
            start: Time.date(2030, 6, 3, hour: 12), days: [day], lastDayLength: 3 * Time.hour, baseRate: 0.5, seed: 7)
        let directory = try TemporaryDirectory()
        let firings = try await scenario.replay(
            ruleFiles: [SLORuleTests.root + "/rules/serving.rules.yaml"],
            configuration: try DemoDayTests.configuration(),
            storePath: directory.file("store.db"))
        let report = AlertQualityReport(scenario: scenario, firings: firings)
        #expect(report.falseAlarms.isEmpty, "\(report.text)")
        #expect(report.detections.count == 3)
        for detection in report.detections {
            let allowed = try #require(Self.allowedDelay[detection.incident.kind])
            let delay = try #require(detection.delay, "not notified: \(detection.incident)\n\(report.text)")
            #expect(delay <= allowed, "\(detection.incident.kind): \(delay / Time.minute) min\n\(report.text)")
        }
        // A notification the planted incidents do not explain is a false alarm, whoever sent it.
        let stray = AlertQualityScenario.Firing(
            name: "InfermonErrorRatioHigh", labels: Labels(["alertname": "InfermonErrorRatioHigh", "model": "gpt-4o"]),
            at: scenario.start + 10 * Time.minute)
        #expect(AlertQualityReport(scenario: scenario, firings: firings + [stray]).falseAlarms == [stray])
    }
}
