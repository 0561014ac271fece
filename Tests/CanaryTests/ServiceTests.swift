import Canary
import InfermonCore
import Logging
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's canary service against a real SQLite file: events of two
/// versions in, verdict series out; request ids read back for pairing.
@Suite("Canary service on the store")
struct ServiceTests {
    func temporaryStore() throws -> (SQLiteStore, String) {
        var template = Array("/tmp/infermon-canary-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        return (try SQLiteStore(path: directory + "/test.db", logger: Logger(label: "test")), directory)
    }

    func remove(_ directory: String) {
        for suffix in ["/test.db", "/test.db-wal", "/test.db-shm"] { unlink(directory + suffix) }
        rmdir(directory)
    }

    /// One hour of traffic of model `chat`: 90 % version A, 10 % version B; B fails
    /// `candidateErrors` of its requests. Another model's version B is left out.
    func events(now: Timestamp, candidateErrors: Double, seed: UInt64) -> [InferenceEvent] {
        var random = SeededRandom(seed: seed)
        let count = 20000
        var events: [InferenceEvent] = []
        for index in 0..<count {
            let time = now - 3_600_000 + Timestamp(index) * 3_600_000 / Timestamp(count)
            let candidate = random.chance(0.1)
            let failed = random.chance(candidate ? candidateErrors : 0.01)
            events.append(
                InferenceEvent(
                    timestamp: time, requestID: "r\(index)", model: "chat", modelVersion: candidate ? "B" : "A",
                    route: "/v1/chat", tenant: index % 3 == 0 ? "acme" : "globex", status: failed ? .error : .ok,
                    latency: random.logNormal(median: 1, sigma: 0.4)))
        }
        events.append(InferenceEvent(timestamp: now - 1000, model: "other", modelVersion: "B", status: .error))
        return events
    }

    @Test func aFailingCandidateIsRolledBackAndTheSeriesSaySo() async throws {
        let (store, directory) = try temporaryStore()
        defer { remove(directory) }
        let now = SystemWallClock().now()
        try store.writeSynchronously(IngestBatch(events: events(now: now, candidateErrors: 0.05, seed: 1)))
        var rollout = CanaryDefinition(
            name: "chat-v2", baseline: CanarySelector(["model_version": "A"]),
            candidate: CanarySelector(["model_version": "B"]))
        rollout.common = ["model": "chat"]
        rollout.trafficShare = 0.1
        var config = CanaryConfig()
        config.rollouts = [rollout]
        let service = CanaryService(reader: store, appender: store, config: config, logger: Logger(label: "test"))
        let reports = try await service.evaluate(now: now)
        let report = try #require(reports.first)
        #expect(report.verdict == .rollback, "\(report.reason)")
        #expect(report.baselineRequests + report.candidateRequests == 20000, "the other model is not counted")
        #expect(report.mode == "split", "request ids differ between arms")
        let errors = try #require(report.metrics.first { $0.metric == "errors" })
        #expect(errors.status == .worse)
        let decided = try #require(errors.decidedAtCandidateSamples)
        #expect(decided < report.candidateRequests)
        let series = try store.select(
            [
                try LabelMatcher("__name__", .equal, CanarySeries.verdict),
                try LabelMatcher("canary", .equal, "chat-v2"),
            ],
            from: now - 1, through: now)
        let values = Dictionary(
            uniqueKeysWithValues: series.map { ($0.labels["verdict"] ?? "", $0.samples.last?.value) })
        #expect(values["rollback"] == 1)
        #expect(values["hold"] == 0)
        #expect(values["promote"] == 0)
        #expect(series.first?.labels["candidate"] == "model_version=B")
    }

    @Test func requestIDsComeBackWhenAskedFor() throws {
        let (store, directory) = try temporaryStore()
        defer { remove(directory) }
        let now = SystemWallClock().now()
        try store.writeSynchronously(
            IngestBatch(events: Array(events(now: now, candidateErrors: 0.01, seed: 2).prefix(50))))
        let plain = try store.eventColumns(EventWindowQuery(from: now - 7_200_000, through: now, model: "chat"))
        #expect(plain.first?.requestIDs == nil)
        let withIDs = try store.eventColumns(
            EventWindowQuery(from: now - 7_200_000, through: now, model: "chat", requestIDs: true))
        #expect(withIDs.first?.requestIDs?.prefix(3) == ["r0", "r1", "r2"])
    }
}
