import InfermonCore
import InfermonTesting
import Store
import Testing

/// Hostile numbers and impossible times on every way in, through a real daemon:
/// each poison line is a dead letter with its reason, every neighbour is stored,
/// and the daemon is still up to take the next line.
@Suite("Poison input end to end")
struct PoisonInputTests {
    /// A good line, the poisons that used to trap (or freeze a rollup in 2200), another good line.
    static func nativeLines(_ prefix: String, now: Timestamp) -> String {
        """
        {"timestamp":\(now),"request_id":"\(prefix)-good-1","model":"m"}
        {"timestamp":1e25,"request_id":"\(prefix)-huge-time","model":"m"}
        {"timestamp":"2200-01-01T00:00:00Z","request_id":"\(prefix)-far-future","model":"m"}
        {"timestamp":\(now),"request_id":"\(prefix)-huge-count","model":"m","prompt_tokens":1e19}
        {"timestamp":\(now),"request_id":"\(prefix)-good-2","model":"m"}

        """
    }

    static func otlpJSON(now: Timestamp) -> String {
        let nanos = now * 1_000_000
        func span(_ id: String, _ attribute: String) -> String {
            """
            {"traceId":"\(String(repeating: id, count: 32))","spanId":"\(String(repeating: id, count: 16))","name":"chat",
             "startTimeUnixNano":"\(nanos - 1_000_000)","endTimeUnixNano":"\(nanos)",
             "attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"m"}},\(attribute)]}
            """
        }
        let spans = [
            span("a", #"{"key":"gen_ai.usage.input_tokens","value":{"doubleValue":1e308}}"#),
            span("b", #"{"key":"gen_ai.usage.input_tokens","value":{"intValue":"12"}}"#),
            span("c", #"{"key":"gen_ai.usage.output_tokens","value":{"doubleValue":1e19}}"#),
        ]
        return #"{"resourceSpans":[{"scopeSpans":[{"spans":["# + spans.joined(separator: ",") + "]}]}]}"
    }

    static func otlpProtobuf(now: Timestamp) -> [UInt8] {
        let nanos = UInt64(now) * 1_000_000
        func span(_ id: UInt8, start: UInt64, _ attribute: [UInt8]) -> [UInt8] {
            ProtobufWriter.span(
                traceID: Array(repeating: id, count: 16), spanID: Array(repeating: id, count: 8), name: "chat",
                start: start, end: start + 1_000_000,
                attributes: [ProtobufWriter.attribute("gen_ai.request.model", string: "m"), attribute])
        }
        return ProtobufWriter.request(spans: [
            span(0xD1, start: nanos, ProtobufWriter.attribute("gen_ai.usage.input_tokens", double: 1e308)),
            span(0xD2, start: nanos, ProtobufWriter.attribute("gen_ai.usage.input_tokens", int: 7)),
            // Ten years ahead.
            span(0xD3, start: nanos + 315_360_000_000_000_000, ProtobufWriter.attribute("x", int: 1)),
        ])
    }

    @Test func poisonOnEveryPathLeavesTheDaemonUpAndTheNeighboursStored() async throws {
        let directory = try TemporaryDirectory()
        try makeDirectoryForTest(directory.file("logs"))
        let token = "poison-\(UInt64.random(in: 0...UInt64.max))"
        try TestFiles.append(token + "\n", to: directory.file("token"))
        let database = directory.file("store.db")
        let daemon = try await DaemonProcess(
            config: """
                storage:
                  path: \(database)
                sources:
                  - name: app
                    paths: ["\(directory.file("logs"))/*.jsonl"]
                    poll_interval: 20ms
                """, directory: directory.path, serverYAML: "  auth:\n    token_file: \(directory.file("token"))\n")
        defer { daemon.discard() }
        let now = SystemWallClock().now()

        try TestFiles.append(Self.nativeLines("file", now: now), to: directory.file("logs/app.jsonl"))
        let pushed = try await HTTP.request(
            .post, daemon.baseURL + "/api/v1/events?source=push", body: Self.nativeLines("push", now: now),
            token: token)
        #expect(pushed.status == 200, "\(pushed.body)")
        let litellm = try await HTTP.request(
            .post, daemon.baseURL + "/api/v1/events?profile=litellm&source=litellm",
            body: """
                {"id":"litellm-good","model":"m","startTime":\(Double(now) / 1000 - 1),"endTime":\(Double(now) / 1000)}
                {"id":"litellm-huge-time","model":"m","startTime":1,"endTime":1e25}
                """, token: token)
        #expect(litellm.status == 200, "\(litellm.body)")
        let json = try await HTTP.request(
            .post, daemon.baseURL + "/v1/traces", body: Self.otlpJSON(now: now), token: token,
            headers: [("Content-Type", "application/json")])
        #expect(json.status == 200, "\(json.body)")
        #expect(json.body.contains("2 span(s) rejected"), "\(json.body)")
        let protobuf = try await HTTP.request(
            .post, daemon.baseURL + "/v1/traces", bytes: Self.otlpProtobuf(now: now), token: token,
            headers: [("Content-Type", "application/x-protobuf")])
        #expect(protobuf.status == 200, "\(protobuf.body)")

        func rows(_ sql: String) -> [[SQLValue]] { (try? ReadOnlySQL(path: database).query(sql).rows) ?? [] }
        let expected: [[SQLValue]] = [
            "file-good-1", "file-good-2", "litellm-good", "push-good-1", "push-good-2",
        ].map { [.text($0)] }
        #expect(
            try await waitUntil(timeoutSeconds: 20) {
                rows("SELECT request_id FROM events WHERE request_id LIKE '%-good%' ORDER BY request_id")
                    == expected
            }, "\(rows("SELECT request_id FROM events"))")
        // The one good span of each OTLP body is in, with its tokens.
        #expect(
            rows("SELECT prompt_tokens FROM events WHERE prompt_tokens IS NOT NULL ORDER BY 1") == [
                [.integer(7)], [.integer(12)],
            ])
        #expect(daemon.process.isRunning, "the daemon survived: \(daemon.log.suffix(2000))")

        let letters = rows("SELECT source, kind, reason FROM dead_letters")
        let kinds = letters.map { row -> String in
            guard case .text(let source) = row[0], case .text(let kind) = row[1] else { return "?" }
            return "\(source) \(kind)"
        }
        #expect(
            kinds.sorted() == [
                "app schema", "app schema", "app timestamp_out_of_range", "litellm schema", "otlp schema",
                "otlp schema", "otlp schema", "otlp timestamp_out_of_range", "push schema", "push schema",
                "push timestamp_out_of_range",
            ], "\(letters)")

        // And it still takes the next line.
        try TestFiles.append(
            #"{"timestamp":\#(SystemWallClock().now()),"request_id":"file-good-3","model":"m"}"# + "\n",
            to: directory.file("logs/app.jsonl"))
        #expect(
            try await waitUntil(timeoutSeconds: 20) {
                rows("SELECT 1 FROM events WHERE request_id = 'file-good-3'").count == 1
            })
    }

    @Test func ingestCommandRejectsPoisonAndKeepsTheRest() async throws {
        let directory = try TemporaryDirectory()
        try TestFiles.append(
            Self.nativeLines("ingest", now: SystemWallClock().now()), to: directory.file("events.jsonl"))
        try TestFiles.append("storage:\n  path: \(directory.file("store.db"))\n", to: directory.file("infermon.yaml"))
        let result = try await runCommand(
            ChildProcess.infermonBinary(),
            ["ingest", "--config", directory.file("infermon.yaml"), directory.file("events.jsonl")],
            directory: directory.path, name: "ingest")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("2 accepted, 3 rejected"), "\(result.stdout)")
        let sql = try ReadOnlySQL(path: directory.file("store.db"))
        #expect(
            try sql.query("SELECT kind FROM dead_letters ORDER BY line").rows == [
                [.text("schema")], [.text("timestamp_out_of_range")], [.text("schema")],
            ])
    }
}
