import Detectors
import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The detectors against a real SQLite file: the column reader, baselines, and the
/// scheduled service writing its series back.
@Suite struct StoreAndServiceTests {
    let now: Timestamp = 1_800_000_000_000
    let hour: Timestamp = 3_600_000

    func temporaryStore() throws -> (SQLiteStore, String) {
        var template = Array("/tmp/infermon-detectors-XXXXXX".utf8CString)
        let directory = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        let path = directory + "/test.db"
        return (try SQLiteStore(path: path, logger: Logger(label: "test")), directory)
    }

    func removeDirectory(_ directory: String) {
        for suffix in ["/test.db", "/test.db-wal", "/test.db-shm"] { unlink(directory + suffix) }
        rmdir(directory)
    }

    /// `count` events evenly spread over `from..<through`; latency shifted by `shift` (log scale).
    func events(
        count: Int, from: Timestamp, through: Timestamp, shift: Double, seed: UInt64, model: String = "chat",
        tenant: String? = nil
    ) -> [InferenceEvent] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { index in
            let time = from + (through - from) * Timestamp(index) / Timestamp(count)
            let refusal = generator.unit() < 0.05
            return InferenceEvent(
                timestamp: time, model: model, tenant: tenant ?? (generator.unit() < 0.5 ? "acme" : "globex"),
                status: generator.unit() < 0.02 ? .error : .ok, latency: exp(shift + 0.3 * generator.normal()),
                promptTokens: Int(200 * exp(0.3 * generator.normal())), completionTokens: 50 + index % 7,
                cost: 0.001, finishReason: generator.unit() < 0.9 ? "stop" : "length",
                response: refusal ? "I'm sorry, but I can't help with that." : "Here is the answer.",
                features: [
                    "age": .number(40 + 10 * generator.normal()), "tier": .category(index % 3 == 0 ? "gold" : "silver"),
                ],
                prediction: .number(generator.unit()), feedback: generator.unit() < 0.5 ? 1 : 0)
        }
    }

    @Test func columnsComeBackPerModelWithFeaturesPredictionsAndPrefixes() throws {
        let (store, directory) = try temporaryStore()
        defer { removeDirectory(directory) }
        var batch = events(count: 300, from: now - hour, through: now, shift: 0, seed: 1)
        batch += events(count: 100, from: now - hour, through: now, shift: 0, seed: 2, model: "embed")
        batch[5].features = [:]  // one event without features: its cells must be missing, not shifted
        try store.writeSynchronously(IngestBatch(events: batch))
        let columns = try store.eventColumns(EventWindowQuery(from: now - hour, through: now, responsePrefixLength: 12))
        #expect(columns.map(\.model) == ["chat", "embed"])
        let chat = columns[0]
        #expect(chat.count == 300)
        #expect(chat.timestamps == chat.timestamps.sorted())
        let ages = try #require(chat.numeric["features.age"])
        #expect(ages.count == 300)
        #expect(ages[5].isNaN)
        #expect(!ages[6].isNaN)
        let tiers = try #require(chat.categorical["features.tier"])
        #expect(tiers.codes[5] == -1)
        #expect(Set(tiers.categories) == ["gold", "silver"])
        #expect(chat.numeric["prediction"]?.count == 300)
        #expect(chat.responsePrefixes?.allSatisfy { $0.count <= 12 } == true)
        #expect(chat.numeric["response_length"]?.contains(38) == true)
        let limited = try store.eventColumns(
            EventWindowQuery(from: now - hour, through: now, model: "chat", limitPerModel: 50))
        #expect(limited.count == 1 && limited[0].count == 50)
        #expect(limited[0].timestamps.first == chat.timestamps[250])
    }

    @Test func baselinesSurviveARoundTrip() async throws {
        let (store, directory) = try temporaryStore()
        defer { removeDirectory(directory) }
        try store.writeSynchronously(
            IngestBatch(events: events(count: 200, from: now - hour, through: now, shift: 0, seed: 3)))
        let columns = try store.eventColumns(EventWindowQuery(from: now - hour, through: now, responsePrefixLength: 20))
        try await store.saveBaseline(
            DriftBaseline(name: "launch", from: now - hour, through: now, createdAt: now, columns: columns))
        let loaded = try #require(try store.baseline(named: "launch"))
        // NaN != NaN, so compare the encodings' meaning field by field.
        #expect(loaded.columns.count == columns.count)
        #expect(loaded.columns[0].timestamps == columns[0].timestamps)
        #expect(loaded.columns[0].categorical == columns[0].categorical)
        #expect(loaded.columns[0].responsePrefixes == columns[0].responsePrefixes)
        for (name, values) in columns[0].numeric {
            let other = try #require(loaded.columns[0].numeric[name])
            #expect(zip(values, other).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(name)")
        }
        #expect(try store.baselines().map(\.name) == ["launch"])
        #expect(try store.baselines()[0].events == 200)
        #expect(try store.baseline(named: "missing") == nil)
    }

    @Test func serviceWritesDriftOutlierAnomalyAndChangeSeries() async throws {
        let (store, directory) = try temporaryStore()
        defer { removeDirectory(directory) }
        // Reference: the 24 hours before the current hour; current: latency 0.5 higher on the log scale.
        try store.writeSynchronously(
            IngestBatch(events: events(count: 3000, from: now - 25 * hour, through: now - hour, shift: 0, seed: 4)))
        try store.writeSynchronously(
            IngestBatch(events: events(count: 1200, from: now - hour + 1, through: now, shift: 0.5, seed: 5)))
        // Traffic goes on after `now`, so the later evaluations' steps have quality values too.
        try store.writeSynchronously(
            IngestBatch(events: events(count: 260, from: now + 1, through: now + 13 * 60_000, shift: 0.5, seed: 6)))
        var options = DetectorOptions()
        options.changePoint.warmup = 3
        options.drift.bootstrapReplicates = 30
        let clock = ManualClock(now: now)
        let service = DetectorService(
            reader: store, baselines: store, appender: store, options: options, clock: clock,
            logger: Logger(label: "test"))
        let report = try await service.evaluate(now: now)
        let chat = try #require(report.drift.first { $0.model == "chat" })
        let latency = try #require(chat.fields.first { $0.field == "latency" })
        #expect(latency.isDrift)
        #expect(latency.test == .wasserstein)
        let age = try #require(chat.fields.first { $0.field == "features.age" })
        #expect(!age.isDrift)
        #expect(chat.fields.contains { $0.field == "refusal" })
        #expect(report.drift.contains { $0.model == ModelDrift.allModels })

        let detected = try store.select(
            [.equal("__name__", DetectorMetrics.driftDetected), .equal("field", "latency"), .equal("model", "chat")],
            from: now - 1, through: now)
        #expect(detected.count == 1)
        #expect(detected.first?.samples.last?.value == 1)
        #expect(detected.first?.labels["test"] == "wasserstein")
        let outliers = try store.select(
            [.equal("__name__", DetectorMetrics.outlierRate), .equal("field", "latency")], from: now - 1, through: now)
        #expect(outliers.count == 1)

        // Anomaly scores appear once the baseline has warmed up; change points after the CUSUM's warm-up.
        for step in 1...12 {
            try await service.evaluate(now: now + Timestamp(step) * options.interval.millis)
        }
        let anomalies = try store.select(
            [.equal("__name__", DetectorMetrics.anomalyScore), .equal("series", "request_rate")], from: now,
            through: now + hour)
        #expect(anomalies.count == 1)
        let changes = try store.select(
            [.equal("__name__", DetectorMetrics.changePoint)], from: now, through: now + hour)
        #expect(!changes.isEmpty)
    }

    /// A daemon that starts before its data (the demo, a backfill) reads an
    /// empty reference; it must not keep that for an hour with drift unknown.
    @Test func anEmptyReferenceIsReadAgainOnceDataArrives() async throws {
        let (store, directory) = try temporaryStore()
        defer { removeDirectory(directory) }
        var options = DetectorOptions()
        options.drift.bootstrapReplicates = 30
        let service = DetectorService(
            reader: store, baselines: store, appender: store, options: options, clock: ManualClock(now: now),
            logger: Logger(label: "test"))
        let before = try await service.evaluate(now: now)
        #expect(before.drift.allSatisfy { $0.fields.allSatisfy { !$0.isDrift } })
        try store.writeSynchronously(
            IngestBatch(events: events(count: 3000, from: now - 25 * hour, through: now - hour, shift: 0, seed: 4)))
        try store.writeSynchronously(
            IngestBatch(events: events(count: 1200, from: now - hour + 1, through: now, shift: 0.5, seed: 5)))
        // One evaluation interval later, not an hour: the reference is there now.
        let after = try await service.evaluate(now: now + options.interval.millis)
        let latency = try #require(after.drift.first { $0.model == "chat" }?.fields.first { $0.field == "latency" })
        #expect(latency.isDrift)
    }

    @Test func driftPerConfiguredLabelFindsTheTenantThatMoved() async throws {
        let (store, directory) = try temporaryStore()
        defer { removeDirectory(directory) }
        try store.writeSynchronously(
            IngestBatch(events: events(count: 3000, from: now - 25 * hour, through: now - hour, shift: 0, seed: 7)))
        // Only acme's latency moves; globex's stays put.
        let acme = events(count: 600, from: now - hour + 1, through: now, shift: 0.5, seed: 8, tenant: "acme")
        let globex = events(count: 600, from: now - hour + 1, through: now, shift: 0, seed: 9, tenant: "globex")
        try store.writeSynchronously(IngestBatch(events: (acme + globex).sorted { $0.timestamp < $1.timestamp }))
        var options = DetectorOptions()
        options.drift.bootstrapReplicates = 30
        options.groupBy = ["tenant"]
        let service = DetectorService(
            reader: store, baselines: store, appender: store, options: options, clock: ManualClock(now: now),
            logger: Logger(label: "test"))
        let report = try await service.evaluate(now: now)
        func latency(_ tenant: String) throws -> FieldDrift {
            let group = try #require(report.drift.first { $0.model == "chat" && $0.labels == ["tenant": tenant] })
            #expect(!group.fields.contains { $0.field == "tenant" }, "the grouping label is constant in a group")
            return try #require(group.fields.first { $0.field == "latency" })
        }
        #expect(try latency("acme").isDrift)
        #expect(try !latency("globex").isDrift)
        // The whole model is still evaluated, without the label.
        #expect(report.drift.contains { $0.model == "chat" && $0.labels.isEmpty })

        let series = try store.select(
            [.equal("__name__", DetectorMetrics.driftDetected), .equal("field", "latency"), .equal("tenant", "acme")],
            from: now - 1, through: now)
        #expect(series.count == 1 && series.first?.samples.last?.value == 1)
        #expect(series.first?.labels["model"] == "chat")
        // A second evaluation reuses the cached grouped reference and agrees.
        let again = try await service.evaluate(now: now + 1)
        #expect(again.drift.filter { !$0.labels.isEmpty }.count == 2)
    }

    @Test func scheduledRunEvaluatesOnTheClock() async throws {
        let (store, directory) = try temporaryStore()
        defer { removeDirectory(directory) }
        try store.writeSynchronously(
            IngestBatch(events: events(count: 200, from: now - hour + 1, through: now, shift: 0, seed: 6)))
        let clock = ManualClock(now: now)
        var options = DetectorOptions()
        options.interval = .seconds(60)
        let service = DetectorService(
            reader: store, baselines: store, appender: store, options: options, clock: clock,
            logger: Logger(label: "test"))
        let task = Task { try await service.run() }
        await clock.waitForSleepers()
        clock.advance(by: 60_000)
        await clock.waitForSleepers()
        task.cancel()
        let written = try store.select(
            [.equal("__name__", DetectorMetrics.driftDetected)], from: now - 1, through: now + 60_000)
        let times = Set(written.flatMap { $0.samples.map(\.timestamp) })
        #expect(times == [now, now + 60_000])
    }

    @Test func missingBaselineIsAClearError() async throws {
        let (store, directory) = try temporaryStore()
        defer { removeDirectory(directory) }
        var options = DetectorOptions()
        options.reference = .baseline(name: "nope")
        let service = DetectorService(
            reader: store, baselines: store, appender: store, options: options, clock: ManualClock(now: now),
            logger: Logger(label: "test"))
        await #expect(throws: InfermonError.self) { try await service.evaluate(now: now) }
    }
}
