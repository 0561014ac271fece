import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// The performance stage and reports on PostgreSQL, through the built binary
/// and a private PostgreSQL 15: a daemon on `backend: postgres` joins pushed
/// predictions with labels POSTed late and backfills each window's realised
/// performance, its scheduled report carries the rows; then `infermon
/// performance report` answers on PostgreSQL exactly as on a SQLite file
/// holding the same events and labels, and `infermon report` shows the figures.
@Suite("Performance and reports on PostgreSQL", .serialized)
struct PostgresPerformanceTests {
    typealias Shapes = PerformanceAndReportsEndToEndTests
    static let minute = Shapes.minute

    static let performanceYAML = """
        performance:
          interval: 1s
          windows: [1m]
          min_samples: 10
          horizon: 1d
          calibration: none
          bootstrap_resamples: 20
        """

    @Test func performanceIsBackfilledAndReportedOnPostgres() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        do {
            try await backfillAndReport(server)
        } catch {
            Issue.record(error)
        }
        try await server.stop()
    }

    func backfillAndReport(_ server: PostgresProcess) async throws {
        let directory = try TemporaryDirectory()
        let token = "tok-\(UInt64.random(in: 0...UInt64.max))"
        try TestFiles.append(token + "\n", to: directory.file("token"))
        let storage = """
            storage:
              backend: postgres
              postgres:
                url: \(server.url)
                password_file: \(server.passwordFile)
            """
        let now = SystemWallClock().now()
        // The report is due at the first whole minute at least 45 s away (UTC time of day).
        let due = (now + 45_000 + Self.minute - 1) / Self.minute * Self.minute
        let dueText = TimeParsing.formatRFC3339(due).dropFirst(11).prefix(5)
        let daemon = try await DaemonProcess(
            config: """
                \(storage)
                sources: []
                \(Self.performanceYAML)
                reports:
                  - name: daily
                    every: day
                    at: "\(dueText)"
                    format: markdown
                    directory: \(directory.file("reports"))
                """, directory: directory.path, serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n")
        defer { daemon.discard() }

        let firstWindow = (now / Self.minute - 5) * Self.minute
        let predictions = Shapes.predictions(firstWindow: firstWindow)
        let events = predictions.map {
            #"{"timestamp":\#($0.time),"request_id":"\#($0.id)","model":"churn","route":"/score","prediction":\#($0.probability)}"#
        }.joined(separator: "\n")
        let pushed = try await HTTP.request(.post, daemon.baseURL + "/api/v1/events", body: events, token: token)
        #expect(pushed.status == 200 && pushed.body.contains(#""accepted":120"#), "\(pushed.body)")
        let labelsURL = daemon.baseURL + "/api/v1/labels"
        let ndjson = [("Content-Type", "application/x-ndjson")]
        let early = try await HTTP.request(
            .post, labelsURL, body: Shapes.labels(Array(predictions[0..<80])), token: token, headers: ndjson)
        #expect(early.status == 200 && early.body.contains(#""stored":80"#), "\(early.status) \(early.body)")

        let accuracy = #"infermon_model_performance{model="churn",window="1m",metric="accuracy"}[1h]"#
        var realised: [Timestamp: Double] = [:]
        let firstTwo = try await waitUntil(timeoutSeconds: 90, pollMillis: 250) {
            realised = Shapes.samples(try await Shapes.query(daemon, accuracy).body)
            return realised.count == 2
        }
        #expect(firstTwo, "\(realised)\n\(daemon.log.suffix(2000))")
        #expect(Shapes.near(realised[firstWindow], Shapes.accuracy(Array(predictions[0..<40]))), "\(realised)")
        #expect(
            Shapes.near(realised[firstWindow + Self.minute], Shapes.accuracy(Array(predictions[40..<80]))),
            "\(realised)")
        // The third window's labels arrive late: its window is backfilled, the others stay.
        let late = try await HTTP.request(
            .post, labelsURL, body: Shapes.labels(Array(predictions[80...])), token: token, headers: ndjson)
        #expect(late.status == 200 && late.body.contains(#""stored":40"#), "\(late.body)")
        let third = try await waitUntil(timeoutSeconds: 90, pollMillis: 250) {
            realised = Shapes.samples(try await Shapes.query(daemon, accuracy).body)
            return realised.count == 3
        }
        #expect(third, "\(realised)\n\(daemon.log.suffix(2000))")
        #expect(
            Shapes.near(realised[firstWindow + 2 * Self.minute], Shapes.accuracy(Array(predictions[80...]))),
            "\(realised)")
        let joined = try await waitUntil(timeoutSeconds: 30, pollMillis: 250) {
            try await Shapes.query(daemon, #"infermon_truth_labels{name="outcome",state="joined"}"#).body.contains(
                #""120""#)
        }
        #expect(joined, "all 120 labels are joined as outcome labels")
        #expect(!daemon.log.contains("not run on storage backend postgres"), "\(daemon.log.suffix(2000))")

        // The scheduled report, made by the evaluator when due, with the day's count and the performance rows.
        let file =
            directory.file("reports/daily-") + TimeParsing.formatRFC3339(due).prefix(13)
            + TimeParsing.formatRFC3339(due).dropFirst(14).prefix(2) + "Z.md"
        let waitSeconds = Double(due - SystemWallClock().now()) / 1000 + 60
        let written = try await waitUntil(timeoutSeconds: waitSeconds, pollMillis: 500) {
            FileManager.default.fileExists(atPath: file)
        }
        #expect(written, "no report at \(file)\n\(daemon.log.suffix(2000))")
        let scheduled = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        #expect(scheduled.contains("| churn | 120 | 0 |"), "exact count of the day's requests\n\(scheduled)")
        #expect(scheduled.contains("| churn | 1m | accuracy |"), "the performance rows\n\(scheduled)")
        _ = try await daemon.stop()

        try await commands(directory, storage: storage, events: events, predictions: predictions, from: firstWindow)
    }

    /// `performance report` on PostgreSQL against the same command on a SQLite file
    /// given the same events and labels, and `report` on PostgreSQL.
    func commands(
        _ directory: TemporaryDirectory, storage: String, events: String, predictions: [Shapes.Prediction],
        from firstWindow: Timestamp
    ) async throws {
        let port = try await RecordingReceiver.reservablePort()
        let postgres = directory.file("commands.yaml")
        try TestFiles.append(
            "\(storage)\n\(Self.performanceYAML)\nserver:\n  listen: 127.0.0.1:\(port)\n", to: postgres)
        let sqlite = directory.file("sqlite.yaml")
        try TestFiles.append(
            "storage:\n  path: \(directory.file("copy.db"))\n\(Self.performanceYAML)\n", to: sqlite)
        func run(_ config: String, _ arguments: [String]) async throws -> (
            status: Int32, stdout: String, stderr: String
        ) {
            try await runCommand(
                ChildProcess.infermonBinary(), arguments + ["--config", config], directory: directory.path,
                name: "\(arguments[0])-\(UUID().uuidString.prefix(8))")
        }
        try TestFiles.append(events + "\n", to: directory.file("events.jsonl"))
        try TestFiles.append(Shapes.labels(predictions) + "\n", to: directory.file("labels.jsonl"))
        let ingest = try await run(sqlite, ["ingest", directory.file("events.jsonl")])
        #expect(ingest.status == 0 && ingest.stdout.contains("120 accepted"), "\(ingest)")
        let imported = try await run(sqlite, ["labels", "import", directory.file("labels.jsonl")])
        #expect(imported.status == 0 && imported.stdout.contains("imported 120"), "\(imported)")

        let period = ["--from", "\(firstWindow / 1000)", "--to", "\((firstWindow + 3 * Self.minute) / 1000)"]
        let report = ["performance", "report", "--window", "1m", "--format", "json"] + period
        let onPostgres = try await run(postgres, report)
        #expect(onPostgres.status == 0, "\(onPostgres)")
        let onSQLite = try await run(sqlite, report)
        #expect(onSQLite.status == 0, "\(onSQLite)")
        #expect(onPostgres.stdout == onSQLite.stdout && !onPostgres.stdout.isEmpty)
        let windows = Self.windows(onPostgres.stdout)
        #expect(windows.count == 3, "\(onPostgres.stdout)")
        for (index, range) in [0..<40, 40..<80, 80..<120].enumerated() {
            let window = windows[firstWindow + Int64(index) * Self.minute]
            #expect(window?.labelled == 40, "\(onPostgres.stdout)")
            #expect(Shapes.near(window?.accuracy, Shapes.accuracy(Array(predictions[range]))), "\(onPostgres.stdout)")
        }

        let markdown = try await run(
            postgres, ["report", "--format", "markdown", "--from", "\(firstWindow / 1000 - 60)", "--to", "now"])
        #expect(markdown.status == 0, "\(markdown)")
        #expect(markdown.stdout.contains("| churn | 120 | 0 |"), "\(markdown.stdout)")
        #expect(markdown.stdout.contains("| churn | 1m | accuracy |"), "\(markdown.stdout)")
    }

    /// `performance report --format json`'s windows by start: labelled count and accuracy.
    static func windows(_ json: String) -> [Timestamp: (labelled: Int, accuracy: Double?)] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let models = object["models"] as? [[String: Any]]
        else { return [:] }
        var out: [Timestamp: (labelled: Int, accuracy: Double?)] = [:]
        for model in models {
            for window in model["windows"] as? [[String: Any]] ?? [] {
                guard let start = (window["start"] as? NSNumber)?.int64Value else { continue }
                let metrics = window["metrics"] as? [String: Any]
                out[start] = (
                    (window["labelled"] as? NSNumber)?.intValue ?? -1,
                    (metrics?["accuracy"] as? NSNumber)?.doubleValue
                )
            }
        }
        return out
    }
}
