import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// The performance stage and scheduled reports in the real daemon: prediction
/// events pushed, their labels POSTed late (without a name: the configuration
/// sets up only `performance:`, so a label is an `outcome`), the realised
/// performance of each window backfilled and answered by /api/v1/query; then the
/// daily report, due a minute after start, written to its directory and
/// delivered to a recording webhook with exact counts and the performance rows.
@Suite("Performance and reports end to end")
struct PerformanceAndReportsEndToEndTests {
    static let minute: Int64 = 60_000

    struct Prediction {
        var id: String
        var time: Timestamp
        var probability: Double
        var truth: Bool
    }

    /// 40 predictions in each of three complete minutes, seeded.
    static func predictions(firstWindow: Timestamp) -> [Prediction] {
        var random = SeededRandom(seed: 22)
        var out: [Prediction] = []
        for window in 0..<3 {
            for index in 0..<40 {
                let probability = (random.unit() * 1000).rounded() / 1000
                // Truth follows the probability, so the classifier is informative but not perfect.
                let truth = random.chance(probability)
                out.append(
                    Prediction(
                        id: "churn-\(window)-\(index)",
                        time: firstWindow + Int64(window) * minute + Int64(index) * 1000,
                        probability: probability, truth: truth))
            }
        }
        return out
    }

    /// The daemon's value as its JSON answer carries it (shortest round-trip text).
    static func near(_ value: Double?, _ expected: Double) -> Bool { value.map { abs($0 - expected) < 1e-12 } ?? false }

    static func accuracy(_ predictions: [Prediction]) -> Double {
        Double(predictions.filter { ($0.probability >= 0.5) == $0.truth }.count) / Double(predictions.count)
    }

    /// The samples of a range-vector query, per window start (its sample is stamped at the window's end).
    static func samples(_ body: String) -> [Timestamp: Double] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let data = object["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { return [:] }
        var out: [Timestamp: Double] = [:]
        for series in result {
            for pair in series["values"] as? [[Any]] ?? [] {
                guard pair.count == 2, let seconds = (pair[0] as? NSNumber)?.doubleValue, let text = pair[1] as? String,
                    let value = Double(text)
                else { continue }
                out[Timestamp((seconds * 1000).rounded()) - minute] = value
            }
        }
        return out
    }

    static func query(_ daemon: DaemonProcess, _ promql: String) async throws -> HTTP.Answer {
        let encoded = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promql
        return try await HTTP.request(.get, daemon.baseURL + "/api/v1/query?query=" + encoded)
    }

    static func labels(_ predictions: [Prediction]) -> String {
        predictions.map { #"{"request_id":"\#($0.id)","value":\#($0.truth ? 1 : 0),"source":"chargebacks"}"# }
            .joined(separator: "\n")
    }

    @Test func lateLabelsBackfillPerformanceAndTheScheduledReportCarriesIt() async throws {
        let directory = try TemporaryDirectory()
        let token = "tok-\(UInt64.random(in: 0...UInt64.max))"
        try TestFiles.append(token + "\n", to: directory.file("token"))
        let receiver = try await RecordingReceiver.start()
        defer { Task { try? await receiver.stop() } }
        let now = SystemWallClock().now()
        // The report is due at the first whole minute at least 45 s away (UTC time of day).
        let due = (now + 45_000 + Self.minute - 1) / Self.minute * Self.minute
        let dueText = TimeParsing.formatRFC3339(due).dropFirst(11).prefix(5)
        let daemon = try await DaemonProcess(
            config: """
                storage:
                  path: \(directory.file("store.db"))
                sources: []
                performance:
                  interval: 1s
                  windows: [1m]
                  min_samples: 10
                  horizon: 1d
                  calibration: none
                  bootstrap_resamples: 20
                notifications:
                  route:
                    receiver: hook
                    group_wait: 0s
                  receivers:
                    - name: hook
                      webhook_configs:
                        - url: \(receiver.url("/reports"))
                          timeout: 2s
                reports:
                  - name: daily
                    every: day
                    at: "\(dueText)"
                    format: markdown
                    directory: \(directory.file("reports"))
                    receiver: hook
                """, directory: directory.path, serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n")
        defer { daemon.discard() }

        let firstWindow = (now / Self.minute - 5) * Self.minute
        let predictions = Self.predictions(firstWindow: firstWindow)
        let events = predictions.map {
            #"{"timestamp":\#($0.time),"request_id":"\#($0.id)","model":"churn","route":"/score","prediction":\#($0.probability)}"#
        }
        let pushed = try await HTTP.request(
            .post, daemon.baseURL + "/api/v1/events", body: events.joined(separator: "\n"), token: token)
        #expect(pushed.status == 200 && pushed.body.contains(#""accepted":120"#), "\(pushed.body)")

        // Labels come later, and for the first two windows only; no name: an outcome.
        let labelsURL = daemon.baseURL + "/api/v1/labels"
        let ndjson = [("Content-Type", "application/x-ndjson")]
        let early = try await HTTP.request(
            .post, labelsURL, body: Self.labels(Array(predictions[0..<80])), token: token, headers: ndjson)
        #expect(early.status == 200 && early.body.contains(#""stored":80"#), "\(early.status) \(early.body)")

        let accuracy = #"infermon_model_performance{model="churn",window="1m",metric="accuracy"}[1h]"#
        var realised: [Timestamp: Double] = [:]
        let firstTwo = try await waitUntil(timeoutSeconds: 90, pollMillis: 250) {
            realised = Self.samples(try await Self.query(daemon, accuracy).body)
            return realised.count == 2
        }
        #expect(firstTwo, "\(realised)\n\(daemon.log.suffix(2000))")
        #expect(Self.near(realised[firstWindow], Self.accuracy(Array(predictions[0..<40]))), "\(realised)")
        #expect(
            Self.near(realised[firstWindow + Self.minute], Self.accuracy(Array(predictions[40..<80]))), "\(realised)")

        // The third window's labels arrive: its window is backfilled too, the others stay.
        let late = try await HTTP.request(
            .post, labelsURL, body: Self.labels(Array(predictions[80...])), token: token, headers: ndjson)
        #expect(late.status == 200 && late.body.contains(#""stored":40"#), "\(late.body)")
        // A deadline, not a wait: the stage backfills on its next pass, which a loaded machine delays.
        let third = try await waitUntil(timeoutSeconds: 90, pollMillis: 250) {
            realised = Self.samples(try await Self.query(daemon, accuracy).body)
            return realised.count == 3
        }
        #expect(third, "\(realised)\n\(daemon.log.suffix(2000))")
        #expect(
            Self.near(realised[firstWindow + 2 * Self.minute], Self.accuracy(Array(predictions[80...]))), "\(realised)")
        #expect(Self.near(realised[firstWindow], Self.accuracy(Array(predictions[0..<40]))), "\(realised)")
        let joined = try await waitUntil(timeoutSeconds: 30, pollMillis: 250) {
            let answer = try await Self.query(daemon, #"infermon_truth_labels{name="outcome",state="joined"}"#)
            return answer.body.contains(#""120""#)
        }
        #expect(joined, "all 120 labels are joined as outcome labels")
        let coverage = Self.samples(
            try await Self.query(daemon, #"infermon_performance_label_coverage{model="churn",window="1m"}[1h]"#).body)
        #expect(coverage.count == 3 && coverage.values.allSatisfy { $0 == 1 }, "\(coverage)")

        // The daily report, made when due: in its directory and at the webhook.
        let file =
            directory.file("reports/daily-") + TimeParsing.formatRFC3339(due).prefix(13)
            + TimeParsing.formatRFC3339(due).dropFirst(14).prefix(2) + "Z.md"
        let waitSeconds = Double(due - SystemWallClock().now()) / 1000 + 60
        let written = try await waitUntil(timeoutSeconds: waitSeconds, pollMillis: 500) {
            FileManager.default.fileExists(atPath: file)
        }
        #expect(written, "no report at \(file)\n\(daemon.log.suffix(2000))")
        let markdown = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        #expect(markdown.contains("| churn | 120 | 0 |"), "exact count of the day's requests\n\(markdown)")
        #expect(markdown.contains("| churn | 1m | accuracy |"), "the performance rows\n\(markdown)")
        var body = ""
        let delivered = try await waitUntil(timeoutSeconds: 30, pollMillis: 250) {
            body = receiver.requests.map(\.bodyText).first { $0.contains(#""kind":"infermon.report""#) } ?? ""
            return !body.isEmpty
        }
        #expect(delivered, "\(receiver.requests.map(\.uri))\n\(daemon.log.suffix(2000))")
        #expect(body.contains(#""kind":"infermon.report""#) && body.contains(#""requests":120"#), "\(body.prefix(600))")
        #expect(body.contains("| churn | 1m | accuracy |"), "the webhook carries the same report")
    }

    /// With both label-joining stages set up, a label without a name is refused over HTTP
    /// with a message that names both; with only quality.gold it is a gold label.
    @Test func aLabelWithoutANameIsRefusedWhenTwoStagesJoinLabels() async throws {
        let directory = try TemporaryDirectory()
        let token = "tok-\(UInt64.random(in: 0...UInt64.max))"
        try TestFiles.append(token + "\n", to: directory.file("token"))
        let daemon = try await DaemonProcess(
            config: """
                storage:
                  path: \(directory.file("store.db"))
                sources: []
                performance: {label: outcome}
                quality:
                  gold: {sources: [human], label: hallucinated}
                """, directory: directory.path, serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n")
        defer { daemon.discard() }
        let url = daemon.baseURL + "/api/v1/labels"
        let json = [("Content-Type", "application/json")]
        let unnamed = try await HTTP.request(
            .post, url, body: #"{"request_id":"r1","value":1}"#, token: token, headers: json)
        #expect(unnamed.status == 400, "\(unnamed.status) \(unnamed.body)")
        #expect(
            unnamed.body.contains("name is missing") && unnamed.body.contains("outcome")
                && unnamed.body.contains("hallucinated"), "\(unnamed.body)")
        let named = try await HTTP.request(
            .post, url, body: #"{"request_id":"r1","name":"outcome","value":1}"#, token: token, headers: json)
        #expect(named.status == 200 && named.body.contains(#""stored":1"#), "\(named.body)")
        _ = try await daemon.stop()
    }
}
