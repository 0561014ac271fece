import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// Gold labels through the real daemon: events pushed, labels POSTed before and
/// after their events, the PromQL API answering the prediction-powered bounds,
/// Prometheus's own form POST to the same path still answering label names,
/// and `infermon quality calibrate` run as a process against the live store.
@Suite("Gold labels end to end")
struct GoldLabelsEndToEndTests {
    static let context = "The Oberoi Group is a hotel company with its head office in Delhi, founded in 1934."

    static func events(_ ids: Range<Int>, at time: Timestamp) -> String {
        ids.map { index in
            let response =
                index % 4 == 0 ? "The head office is in Mumbai, opened in 1977." : "The head office is in Delhi."
            return
                #"{"timestamp":\#(time + Int64(index)),"request_id":"e2e-\#(index)","model":"gpt-x","route":"/rag","prompt":"Where is the Oberoi head office?","response":"\#(response)","context":"\#(context)"}"#
        }
        .joined(separator: "\n")
    }

    static func labels(_ ids: Range<Int>) -> [String] {
        ids.map { #"{"request_id":"e2e-\#($0)","name":"hallucinated","value":\#($0 % 4 == 0),"source":"human"}"# }
    }

    static func query(_ daemon: DaemonProcess, _ promql: String) async throws -> HTTP.Answer {
        let encoded = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? promql
        return try await HTTP.request(.get, daemon.baseURL + "/api/v1/query?query=" + encoded)
    }

    @Test func labelsPostedAndThePPIBoundsAnsweredByPromQL() async throws {
        let directory = try TemporaryDirectory()
        let token = "tok-\(UInt64.random(in: 0...UInt64.max))"
        try TestFiles.append(token + "\n", to: directory.file("token"))
        let daemon = try await DaemonProcess(
            config: """
                storage:
                  path: \(directory.file("store.db"))
                sources: []
                quality:
                  sampling: {default_rate: 1}
                  interval: 1s
                  windows: [1h]
                  min_samples: 10
                  gold: {sources: [human], min_labels: 20, agreement_floor: 0.4, horizon: 1d}
                """, directory: directory.path, serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n")
        defer { daemon.discard() }
        let labelsURL = daemon.baseURL + "/api/v1/labels"

        // Half the labels come before their events, as NDJSON.
        let early = try await HTTP.request(
            .post, labelsURL, body: Self.labels(0..<30).joined(separator: "\n"), token: token,
            headers: [("Content-Type", "application/x-ndjson")])
        #expect(early.status == 200 && early.body.contains(#""stored":30"#), "\(early.status) \(early.body)")
        let anonymous = try await HTTP.request(
            .post, labelsURL, body: Self.labels(0..<1)[0], headers: [("Content-Type", "application/json")])
        #expect(anonymous.status == 401, "label writes need the push token")
        let bad = try await HTTP.request(
            .post, labelsURL, body: #"{"name":"hallucinated","value":true}"#, token: token,
            headers: [("Content-Type", "application/json")])
        #expect(bad.status == 400 && bad.body.contains("request_id"), "\(bad.body)")

        let now = SystemWallClock().now()
        let pushed = try await HTTP.request(
            .post, daemon.baseURL + "/api/v1/events", body: Self.events(0..<200, at: now - 180_000), token: token)
        #expect(pushed.status == 200 && pushed.body.contains(#""accepted":200"#), "\(pushed.body)")
        // The rest after, as a JSON array.
        let late = try await HTTP.request(
            .post, labelsURL, body: "[" + Self.labels(30..<60).joined(separator: ",") + "]", token: token,
            headers: [("Content-Type", "application/json")])
        #expect(late.status == 200 && late.body.contains(#""stored":30"#), "\(late.body)")

        // Prometheus's POST /api/v1/labels (form-encoded match[]) still answers label names, without a token.
        let names = try await HTTP.request(
            .post, labelsURL, body: "match%5B%5D=infermon_hallucination_rate",
            headers: [("Content-Type", "application/x-www-form-urlencoded")])
        #expect(names.status == 200 && names.body.contains(#""status":"success""#), "\(names.body)")

        var bounds: [String: Double] = [:]
        let answered = try await waitUntil(timeoutSeconds: 40, pollMillis: 250) {
            let answer = try await Self.query(daemon, #"infermon_hallucination_rate{method="ppi", route="/rag"}"#)
            bounds = Self.values(answer.body, label: "bound")
            let joined = try await Self.query(daemon, #"infermon_truth_labels{state="joined"}"#)
            return bounds.count == 3 && Self.values(joined.body, label: "state")["joined"] == 60
        }
        #expect(answered, "PPI bounds: \(bounds)\n\(daemon.log.suffix(2000))")
        let estimate = try #require(bounds["estimate"])
        #expect(abs(estimate - 0.25) < 0.02, "\(bounds)")
        #expect(bounds["lower"]! < estimate && estimate < bounds["upper"]!)
        let gold = Self.values(
            try await Self.query(daemon, #"infermon_hallucination_rate{method="gold", route="/rag"}"#).body,
            label: "bound")
        #expect(gold.count == 3 && gold["upper"]! - gold["lower"]! > bounds["upper"]! - bounds["lower"]!)

        let calibrate = try await runCommand(
            ChildProcess.infermonBinary(), ["quality", "calibrate", "--config", daemon.configPath, "--route", "/rag"],
            directory: directory.path, name: "calibrate")
        #expect(calibrate.status == 0, "\(calibrate.stdout)\n\(calibrate.stderr)")
        #expect(calibrate.stdout.contains("gpt-x /rag: 60 gold-labelled events scored"), "\(calibrate.stdout)")
        #expect(calibrate.stdout.contains("before (threshold"), "\(calibrate.stdout)")
        #expect(calibrate.stdout.contains("after  (threshold"), "\(calibrate.stdout)")
        #expect(calibrate.stdout.contains("stored 1 calibration(s)"), "\(calibrate.stdout)")
        let none = try await runCommand(
            ChildProcess.infermonBinary(), ["quality", "calibrate", "--config", daemon.configPath, "--route", "/none"],
            directory: directory.path, name: "calibrate-none")
        #expect(none.status != 0 && none.stderr.contains("no judged events"), "\(none.stderr)")
    }

    /// `label` value → sample value of each series in an instant-query answer.
    static func values(_ body: String, label: String) -> [String: Double] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let data = object["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { return [:] }
        var out: [String: Double] = [:]
        for series in result {
            guard let metric = series["metric"] as? [String: String], let key = metric[label],
                let value = series["value"] as? [Any], value.count == 2, let text = value[1] as? String,
                let number = Double(text)
            else { continue }
            out[key] = number
        }
        return out
    }
}
