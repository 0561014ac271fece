import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// The quality stage on a private PostgreSQL 15 through the built binary:
/// `infermon labels import` stores gold labels before their events, two
/// daemons take pushed events, the elected one judges every sampled event
/// once (the offline groundedness scorer, no network), labels POSTed to the
/// other daemon join too, PromQL on either answers the prediction-powered
/// rate, and `infermon quality calibrate` fits and stores a calibration.
@Suite("Quality on PostgreSQL", .serialized)
struct PostgresQualityTests {
    static let names = ["quality-a", "quality-b"]

    func config(_ server: PostgresProcess, name: String) -> String {
        """
        storage:
          backend: postgres
          postgres:
            url: \(server.url)
            password_file: \(server.passwordFile)
            host_name: \(name)
        sources: []
        quality:
          sampling: {default_rate: 1}
          interval: 1s
          windows: [1h]
          min_samples: 10
          gold: {sources: [human], min_labels: 20, agreement_floor: 0.4, horizon: 1d}
        log:
          level: info
        """
    }

    @Test(.timeLimit(.minutes(4))) func labelsJudgmentsRatesAndCalibrationOnPostgres() async throws {
        guard PostgresProcess.binDirectory != nil else {
            Issue.record(Comment(rawValue: PostgresProcess.notInstalled))
            return
        }
        let server = try await PostgresProcess(settings: ["fsync": "off"])
        var daemons: [DaemonProcess] = []
        do {
            let directory = try TemporaryDirectory()
            let token = "tok-\(UInt64.random(in: 0...UInt64.max))"
            try TestFiles.append(token + "\n", to: directory.file("token"))
            let serverYAML = "  auth:\n    token_file: \(directory.file("token"))\n"

            // Gold labels for the first 60 events, before any event (or daemon) exists.
            let commandConfig = directory.file("command.yaml")
            try TestFiles.append(config(server, name: "command"), to: commandConfig)
            let labelFile = directory.file("labels.jsonl")
            try TestFiles.append(GoldLabelsEndToEndTests.labels(0..<60).joined(separator: "\n") + "\n", to: labelFile)
            let imported = try await runCommand(
                ChildProcess.infermonBinary(), ["labels", "import", labelFile, "--config", commandConfig],
                directory: directory.path, name: "labels-import")
            #expect(imported.status == 0, "\(imported.stdout)\n\(imported.stderr)")
            #expect(imported.stdout.contains("imported 60 label(s)"), "\(imported.stdout)")
            #expect(try await server.query("SELECT count(*) FROM truth_labels WHERE value_number = 1") == "15")

            for name in Self.names {
                daemons.append(
                    try await DaemonProcess(
                        config: config(server, name: name), directory: directory.path, name: name,
                        serverYAML: serverYAML))
            }
            // 200 settled events, half pushed to each daemon, so two writers draw event ids at once.
            let now = SystemWallClock().now()
            let urls = daemons.map { $0.baseURL + "/api/v1/events" }
            async let first = HTTP.request(
                .post, urls[0], body: GoldLabelsEndToEndTests.events(0..<100, at: now - 180_000), token: token)
            async let second = HTTP.request(
                .post, urls[1],
                body: GoldLabelsEndToEndTests.events(100..<200, at: now - 180_000), token: token)
            for pushed in try await [first, second] {
                #expect(pushed.status == 200 && pushed.body.contains(#""accepted":100"#), "\(pushed.body)")
            }
            // Labels pushed to the second daemon are stored in the shared database too.
            let posted = try await HTTP.request(
                .post, daemons[1].baseURL + "/api/v1/labels",
                body: GoldLabelsEndToEndTests.labels(60..<80).joined(separator: "\n"), token: token,
                headers: [("Content-Type", "application/x-ndjson")])
            #expect(posted.status == 200 && posted.body.contains(#""stored":20"#), "\(posted.status) \(posted.body)")

            var judged = ""
            let allJudged = try await waitUntil(timeoutSeconds: 60, pollMillis: 250) {
                judged = try await server.query(
                    "SELECT count(*), count(DISTINCT event_id) FROM judgments WHERE judge = 'groundedness'")
                return judged == "200|200"
            }
            #expect(allJudged, "judgments: \(judged)\n\(daemons.map { $0.log.suffix(1500) })")
            let hallucinated = try await server.query(
                "SELECT count(*) FROM judgments WHERE verdict = 'hallucinated'")
            #expect(hallucinated == "50", "every fourth answer is made up")

            // Either daemon answers from the shared store: the PPI bounds and the joined labels.
            for daemon in daemons {
                var bounds: [String: Double] = [:]
                var joined: Double?
                let answered = try await waitUntil(timeoutSeconds: 30, pollMillis: 250) {
                    bounds = GoldLabelsEndToEndTests.values(
                        try await GoldLabelsEndToEndTests.query(
                            daemon, #"infermon_hallucination_rate{method="ppi", route="/rag"}"#
                        ).body, label: "bound")
                    joined =
                        GoldLabelsEndToEndTests.values(
                            try await GoldLabelsEndToEndTests.query(daemon, #"infermon_truth_labels{state="joined"}"#)
                                .body, label: "state")["joined"]
                    return bounds.count == 3 && joined == 80
                }
                #expect(answered, "PPI bounds \(bounds), joined \(String(describing: joined))")
                if let estimate = bounds["estimate"] { #expect(abs(estimate - 0.25) < 0.02, "\(bounds)") }
            }

            let calibrate = try await runCommand(
                ChildProcess.infermonBinary(), ["quality", "calibrate", "--config", commandConfig, "--route", "/rag"],
                directory: directory.path, name: "calibrate")
            #expect(calibrate.status == 0, "\(calibrate.stdout)\n\(calibrate.stderr)")
            #expect(calibrate.stdout.contains("gpt-x /rag: 80 gold-labelled events scored"), "\(calibrate.stdout)")
            #expect(calibrate.stdout.contains("stored 1 calibration(s)"), "\(calibrate.stdout)")
            #expect(try await server.query("SELECT model, route FROM score_calibrations") == "gpt-x|/rag")
            let none = try await runCommand(
                ChildProcess.infermonBinary(), ["quality", "calibrate", "--config", commandConfig, "--route", "/none"],
                directory: directory.path, name: "calibrate-none")
            #expect(none.status != 0 && none.stderr.contains("no judged events"), "\(none.stderr)")
            for daemon in daemons {
                #expect(!daemon.log.contains("not run on storage backend postgres"), "\(daemon.log.suffix(2000))")
                #expect(!daemon.log.contains("quality evaluation failed"), "\(daemon.log.suffix(2000))")
            }
        } catch {
            Issue.record(error)
        }
        for daemon in daemons { daemon.discard() }
        try await server.stop()
    }
}
