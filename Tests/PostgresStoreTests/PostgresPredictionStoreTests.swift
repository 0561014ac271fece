import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

@testable import PostgresStore

/// The performance stage's reads and backfills on PostgreSQL answer as SQLite's
/// do: the same events and labels go into a SQLite file and a private
/// PostgreSQL 15, and every question the stage asks gets the same answer.
@Suite("PostgreSQL predictions and backfill", .serialized)
struct PostgresPredictionStoreTests {
    static let logger = Logger(label: "pg-predictions-test")
    static let minute = PostgresStoreTests.minute
    static let hour = PostgresStoreTests.hour
    static let now = PostgresStoreTests.now
    static let base = now - 3 * hour

    /// A SQLite file and a PostgreSQL database on one clock, closed afterwards.
    static func withStores(_ body: (SQLiteStore, PostgresStore, ManualClock) async throws -> Void) async throws {
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            let directory = try TemporaryDirectory()
            let clock = ManualClock(now: now)
            let sqlite = try SQLiteStore(path: directory.file("infermon.db"), clock: clock, logger: logger)
            let postgres = try await PostgresStore.open(settings: settings, clock: clock, logger: logger)
            do {
                try await body(sqlite, postgres, clock)
            } catch {
                sqlite.close()
                await postgres.close()
                throw error
            }
            sqlite.close()
            await postgres.close()
        }
    }

    /// 300 events, 30 s apart, seeded: numeric predictions of two models, a few numeric
    /// and non-numeric text predictions, events without a prediction or a request id,
    /// and own labels as numbers and texts.
    static func events() -> [InferenceEvent] {
        var random = SeededRandom(seed: 20)
        return (0..<300).map { index in
            let prediction: FeatureValue? =
                index % 17 == 0
                ? nil
                : index % 13 == 0
                    ? .category("spam") : index % 11 == 0 ? .category(" 0.75") : .number(random.unit())
            let label: FeatureValue? =
                index % 7 != 0 ? nil : [.number(1), .number(0.4), .category("1"), .category("yes")][index / 7 % 4]
            return InferenceEvent(
                timestamp: base + Int64(index) * 30_000, requestID: index % 10 == 9 ? nil : "r-\(index)",
                model: index % 3 == 0 ? "eta" : "churn", route: "/score", prediction: prediction, label: label)
        }
    }

    /// Outcome labels for every third event, some corrected later by a second source, labels
    /// received late or early, orphans old and new, and labels of another name.
    /// (No integral number and no numeric text: SQLite reads those back as booleans.)
    static func labels() -> [TruthLabel] {
        var random = SeededRandom(seed: 21)
        var labels: [TruthLabel] = []
        for index in stride(from: 0, to: 300, by: 3) {
            let time = base + Int64(index) * 30_000
            let value: TruthValue =
                switch index % 4 {
                case 0: .bool(random.chance(0.5))
                case 1: .number(random.chance(0.5) ? 0.75 : 0.25)
                case 2: .string(random.chance(0.5) ? "yes" : "no")
                default: .number(2.5)
                }
            let delay = [1, 20, 50, 170][index / 3 % 4] * minute
            labels.append(
                TruthLabel(
                    requestID: "r-\(index)", name: "outcome", value: value, source: "chargebacks",
                    receivedAt: time + delay))
            if index % 6 == 0 {
                labels.append(
                    TruthLabel(
                        requestID: "r-\(index)", name: "outcome", value: .bool(index % 12 == 0),
                        source: "review", receivedAt: time + delay + minute))
            }
            if index % 9 == 0 {
                labels.append(
                    TruthLabel(
                        requestID: "r-\(index)", name: "hallucinated", value: .bool(true), source: "human",
                        receivedAt: time + 2 * minute))
            }
        }
        for index in 0..<5 {
            labels.append(
                TruthLabel(
                    requestID: "ghost-\(index)", name: "outcome", value: .bool(true), source: "chargebacks",
                    receivedAt: index < 2 ? now - 10 * minute : now - 5 * hour))
        }
        return labels
    }

    static func fill(_ sqlite: SQLiteStore, _ postgres: PostgresStore) async throws {
        let events = events()
        for store in [sqlite as any IngestSink, postgres] {
            for start in stride(from: 0, to: events.count, by: 100) {
                try await store.write(IngestBatch(events: Array(events[start..<start + 100])))
            }
        }
        let labels = labels()
        #expect(try await sqlite.recordLabels(labels) == labels.count)
        #expect(try await postgres.recordLabels(labels) == labels.count)
    }

    @Test func labelledPredictionsLabelledTimesAndCountsAreSQLites() async throws {
        try await Self.withStores { sqlite, postgres, _ in
            try await Self.fill(sqlite, postgres)
            let reads: [(String, Int64, Timestamp, Timestamp, String?)] = [
                ("outcome", 30 * Self.minute, Self.base, Self.now, nil),
                ("outcome", 2 * Self.hour, Self.base, Self.now, nil),
                ("outcome", 2 * Self.hour, Self.base + Self.hour, Self.base + 2 * Self.hour - 1, "churn"),
                ("outcome", Self.hour, Self.base, Self.now, "eta"),
                ("hallucinated", Self.hour, Self.base, Self.now, nil),
                ("nothing", Self.hour, Self.base, Self.now, nil),
            ]
            for (name, horizon, from, through, model) in reads {
                let expected = try await sqlite.labelledPredictions(
                    labelName: name, horizon: horizon, from: from, through: through, model: model)
                let answered = try await postgres.labelledPredictions(
                    labelName: name, horizon: horizon, from: from, through: through, model: model)
                #expect(answered == expected, "\(name) \(horizon) \(model ?? "all")")
            }
            // The fixture reaches every kind of answer: numeric texts predict, each kind of truth joins.
            let all = try await postgres.labelledPredictions(
                labelName: "outcome", horizon: 2 * Self.hour, from: Self.base, through: Self.now, model: nil)
            let numeric = Self.events().filter {
                switch $0.prediction {
                case .number: true
                case .category(let text): text == " 0.75"
                case nil: false
                }
            }
            #expect(all.count == numeric.count && numeric.count > 250, "not the ones without one or of text \"spam\"")
            #expect(all.contains { $0.prediction == 0.75 && $0.timestamp == Self.base + 11 * 30_000 })
            let truths = all.compactMap(\.truth)
            #expect(truths.contains(.bool(true)) && truths.contains(.number(2.5)) && truths.contains(.string("yes")))
            #expect(truths.contains(.number(1)), "the event's own \"1\" is a number, as in SQLite")

            for since in [Self.base, Self.now - Self.hour, Self.now - 20 * Self.minute, Self.now + 1] {
                let expected = try await sqlite.predictionTimesLabelled(labelName: "outcome", receivedSince: since)
                let answered = try await postgres.predictionTimesLabelled(labelName: "outcome", receivedSince: since)
                #expect(answered.sorted() == expected.sorted(), "since \(since)")
            }
            #expect(
                try await postgres.predictionTimesLabelled(labelName: "outcome", receivedSince: Self.base).count > 50)

            for (horizon, at) in [
                (Self.hour, Self.now), (30 * Self.minute, Self.now), (Self.hour, Self.now + Self.hour),
            ] {
                let expected = try await sqlite.predictionLabelCounts(labelName: "outcome", horizon: horizon, now: at)
                let answered = try await postgres.predictionLabelCounts(labelName: "outcome", horizon: horizon, now: at)
                #expect(answered == expected, "horizon \(horizon) at \(at)")
            }
            let counts = try await postgres.predictionLabelCounts(
                labelName: "outcome", horizon: Self.hour, now: Self.now)
            #expect(counts.pending >= 2 && counts.orphaned >= 3 && counts.joined > 0 && counts.neverLabelled > 0)

            // Pruning removes the same labels, and the joins change alike.
            let cutoff = Self.base + 90 * Self.minute
            let pruned = try await sqlite.pruneLabels(named: "outcome", before: cutoff)
            #expect(try await postgres.pruneLabels(named: "outcome", before: cutoff) == pruned)
            #expect(pruned > 20)
            let after = try await sqlite.labelledPredictions(
                labelName: "outcome", horizon: 2 * Self.hour, from: Self.base, through: Self.now, model: nil)
            #expect(
                try await postgres.labelledPredictions(
                    labelName: "outcome", horizon: 2 * Self.hour, from: Self.base, through: Self.now, model: nil)
                    == after)
            #expect(after != all)
        }
    }

    @Test func backfilledSamplesReplaceAndPrecedeAppendedOnesAsInSQLite() async throws {
        try await Self.withStores { sqlite, postgres, _ in
            let accuracy = Labels(name: "infermon_model_performance", ["model": "churn", "metric": "accuracy"])
            let coverage = Labels(name: "infermon_performance_label_coverage", ["model": "churn"])
            let appended = (0..<4).map { (labels: accuracy, sample: Sample(Self.base + Int64($0) * Self.hour, 0.5)) }
            let rewritten: [(labels: Labels, sample: Sample)] = [
                (accuracy, Sample(Self.base + 2 * Self.hour, 0.8)),  // replaces an appended sample
                (accuracy, Sample(Self.base - Self.hour, 0.6)),  // older than the series' newest
                (coverage, Sample(Self.base, 0.1)),  // a new series
                (coverage, Sample(Self.base, 0.3)),  // the same slot twice in one call: the last wins
                (coverage, Sample(Self.base + Self.hour, 1)),
            ]
            for store in [sqlite as any SampleAppender & BackfillAppender, postgres] {
                try await store.append(appended)
                try await store.upsert(rewritten)
            }
            // Rewritten again later, as the stage does on each pass.
            try await sqlite.upsert([(coverage, Sample(Self.base + Self.hour, 0.9))])
            try await postgres.upsert([(coverage, Sample(Self.base + Self.hour, 0.9))])
            await #expect(throws: InfermonError.self) {
                try await postgres.upsert([(Labels(["model": "x"]), Sample(Self.base, 1))])
            }

            let matchers = [try LabelMatcher(Labels.metricName, .matchRegex, "infermon_.+")]
            let from = Self.base - 2 * Self.hour
            let expected = try sqlite.select(matchers, from: from, through: Self.now)
            let answered = try postgres.select(matchers, from: from, through: Self.now)
            #expect(answered == expected)
            let values = answered.map { $0.samples.map(\.value) }
            #expect(values == [[0.6, 0.5, 0.5, 0.8, 0.5], [0.3, 0.9]], "\(answered)")
        }
    }

    /// `infermon store copy` carries backfilled samples over, winning over the chunk's
    /// sample at the same time as they win in SQLite.
    @Test func storeCopyCarriesBackfilledSamples() async throws {
        try await PostgresEvaluatorStoreTests.withServer { _, settings in
            let directory = try TemporaryDirectory()
            let clock = ManualClock(now: Self.now)
            let sqlite = try SQLiteStore(path: directory.file("infermon.db"), clock: clock, logger: Self.logger)
            let accuracy = Labels(name: "infermon_model_performance", ["model": "churn", "metric": "accuracy"])
            try await sqlite.append((0..<4).map { (accuracy, Sample(Self.base + Int64($0) * Self.hour, 0.5)) })
            try await sqlite.upsert([
                (accuracy, Sample(Self.base + Self.hour, 0.7)), (accuracy, Sample(Self.base - Self.hour, 0.6)),
            ])
            let matchers = [LabelMatcher.equal(Labels.metricName, "infermon_model_performance")]
            let expected = try sqlite.select(matchers, from: Self.base - 2 * Self.hour, through: Self.now)
            sqlite.close()
            #expect(expected.map { $0.samples.map(\.value) } == [[0.6, 0.5, 0.7, 0.5, 0.5]])
            _ = try await StoreCopy.run(
                from: directory.file("infermon.db"), to: settings, logger: Self.logger, progress: { _ in })
            let postgres = try await PostgresStore.open(settings: settings, clock: clock, logger: Self.logger)
            let copied = try postgres.select(matchers, from: Self.base - 2 * Self.hour, through: Self.now)
            await postgres.close()
            #expect(copied == expected)
        }
    }
}
