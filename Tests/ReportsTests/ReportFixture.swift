import Foundation
import InfermonConfig
import InfermonCore
import InfermonTesting
import Logging
import Reports
import Store

@testable import InfermonDaemon

#if canImport(Glibc)
    import Glibc
#endif

/// A real SQLite store holding six hours of traffic of two models, stamped
/// relative to now, written through the daemon's ingest stages (pricing and the
/// SLO counters), and the series the other stages publish: a hallucination rate,
/// an alert that fired, performance from late labels, and a canary's verdicts.
final class ReportFixture: @unchecked Sendable {
    static let hour: Int64 = 3_600_000
    static let minute: Int64 = 60_000

    let directory: TemporaryDirectory
    let store: SQLiteStore
    let config: Configuration
    /// The end of the report's period: now, to the minute.
    let to: Timestamp
    var from: Timestamp { to - 6 * Self.hour }
    /// What was written, to check the report against.
    var chatRequests = 0
    var chatErrors = 0
    var embedRequests = 0
    var chatCost = 0.0
    var chatLatencies: [Double] = []

    static let configuration = """
        budgets:
          - name: chat-daily
            model: chat
            period: day
            amount_usd: 1
        slos:
          - name: availability
            sli: availability
            objective: 99%
            period: 7d
        detectors:
          reference:
            previous: 6h
        """

    /// `withSeries: false` leaves out every series but the events' own (a quiet period).
    init(withSeries: Bool = true, canaries: Bool = true, labels: Bool = true) async throws {
        directory = try TemporaryDirectory(prefix: "infermon-reports")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        store = try SQLiteStore(path: directory.file("infermon.db"), logger: logger)
        var config = try ConfigurationLoader.load(text: Self.configuration, file: "reports-test.yaml")
        config.storage.path = directory.file("infermon.db")
        self.config = config
        to = SystemWallClock().now() / Self.minute * Self.minute
        let stages = try LLMOpsWiring.ingestStages(config: config, querier: store, now: to, logger: logger)
        let sink = StagedSink(stages: stages, next: store)
        try await sink.write(
            IngestBatch(events: events(from: from - 6 * Self.hour, to: from, shift: 0, seed: 1, count: false)))
        try await sink.write(IngestBatch(events: events(from: from, to: to, shift: 8, seed: 2, count: true)))
        if withSeries { try await writeSeries(canaries: canaries, labels: labels) }
    }

    deinit { store.close() }

    /// One chat request every 30 s and one embedding request a minute; chat's
    /// `age` feature moves by `shift` (drift between the windows).
    func events(from: Timestamp, to: Timestamp, shift: Double, seed: UInt64, count: Bool) -> [InferenceEvent] {
        var generator = SeededRandom(seed: seed)
        var events: [InferenceEvent] = []
        var index = 0
        var time = from + 30_000
        while time <= to {
            let error = index % 24 == 0
            let latency = 0.8 * exp(0.25 * generator.normal())
            events.append(
                InferenceEvent(
                    timestamp: time, requestID: "chat-\(seed)-\(index)", model: "chat", route: "/v1/chat",
                    tenant: "acme", status: error ? .error : .ok, latency: latency,
                    timeToFirstToken: 0.2 * exp(0.2 * generator.normal()), promptTokens: 300, completionTokens: 120,
                    cost: 0.002, finishReason: "stop",
                    features: ["age": .number(40 + shift + 10 * generator.normal())]))
            if count {
                chatRequests += 1
                chatErrors += error ? 1 : 0
                chatCost += 0.002
                chatLatencies.append(latency)
            }
            if index % 2 == 0 {
                events.append(
                    InferenceEvent(
                        timestamp: time, requestID: "embed-\(seed)-\(index)", model: "embed", route: "/v1/embeddings",
                        tenant: "acme", status: .ok, latency: 0.05 * exp(0.2 * generator.normal()), promptTokens: 50,
                        cost: 0.0001))
                if count { embedRequests += 1 }
            }
            index += 1
            time += 30_000
        }
        return events
    }

    func writeSeries(canaries: Bool, labels: Bool) async throws {
        var samples: [(labels: Labels, sample: Sample)] = []
        func add(_ name: String, _ labels: [String: String], _ time: Timestamp, _ value: Double) {
            samples.append((Labels(name: name, labels), Sample(time, value)))
        }
        // The quality stage's rate, every 5 minutes of the last hour.
        for step in 0..<12 {
            let time = to - Self.hour + Int64(step) * 5 * Self.minute
            for (method, bounds) in [("ppi", [0.031, 0.052, 0.074]), ("gold", [0.02, 0.06, 0.11])] {
                for (bound, value) in zip(["lower", "estimate", "upper"], bounds) {
                    add(
                        "infermon_hallucination_rate",
                        ["model": "chat", "route": "/v1/chat", "method": method, "window": "1h", "bound": bound], time,
                        value)
                }
            }
        }
        // An alert firing for 30 minutes, three hours ago, as the rule engine writes ALERTS.
        var time = to - 3 * Self.hour
        while time <= to - 3 * Self.hour + 30 * Self.minute {
            add(
                "ALERTS",
                ["alertname": "ChatErrorRate", "alertstate": "firing", "severity": "page", "model": "chat"], time, 1)
            time += 30_000
        }
        if labels {
            // Performance of hourly windows, stamped at each window's end.
            for window in 1...5 {
                let end = from + Int64(window) * Self.hour
                add("infermon_model_performance", ["model": "chat", "window": "1h", "metric": "accuracy"], end, 0.9)
                add("infermon_model_performance", ["model": "chat", "window": "1h", "metric": "roc_auc"], end, 0.93)
                for (bound, value) in zip(["lower", "estimate", "upper"], [0.02, 0.035, 0.05]) {
                    add(
                        "infermon_model_calibration_error", ["model": "chat", "window": "1h", "bound": bound], end,
                        value)
                }
                for bin in 1...10 {
                    let upper = Double(bin) / 10
                    let predicted = upper - 0.05
                    let labels = ["model": "chat", "window": "1h", "bin": Text.bin(upper)]
                    add("infermon_model_reliability", labels.merging(["stat": "predicted"]) { $1 }, end, predicted)
                    add(
                        "infermon_model_reliability", labels.merging(["stat": "observed"]) { $1 }, end,
                        max(0, predicted - 0.04))
                    add("infermon_model_reliability", labels.merging(["stat": "events"]) { $1 }, end, 20)
                }
            }
        }
        if canaries {
            // Held for two evaluations, then promoted.
            for (offset, verdict) in [(50, "hold"), (40, "hold"), (30, "promote")] {
                for candidate in ["hold", "promote", "rollback", "invalid"] {
                    add(
                        "infermon_canary_verdict",
                        [
                            "canary": "chat-v2", "verdict": candidate, "baseline": "{model_version=\"1\"}",
                            "candidate": "{model_version=\"2\"}",
                        ], to - Int64(offset) * Self.minute, candidate == verdict ? 1 : 0)
                }
            }
        }
        try await store.append(samples.sorted { $0.sample.timestamp < $1.sample.timestamp })
    }

    func inputs() -> ReportInputs { ReportsWiring.inputs(config: config, store: store) }

    func report(model: String? = nil) async -> MonitoringReport {
        await ReportBuilder(inputs: inputs()).build(from: from, to: to, model: model, generatedAt: to)
    }
}

enum Text {
    /// A bin's upper edge as the performance stage writes it (`0.1` … `1`).
    static func bin(_ value: Double) -> String { value == 1 ? "1" : String(value) }
}
