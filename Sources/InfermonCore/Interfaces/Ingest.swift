/// How far a collector has read one input, stored in the same transaction as the
/// events read up to that point, so a crash can never separate the two.
public struct SourceCheckpoint: Sendable, Hashable {
    /// The configured source this input belongs to.
    public var source: String
    /// Stable identity of the input across renames: `device:inode` for files.
    public var inputKey: String
    /// Where the input was last seen, for people reading `stats`.
    public var path: String
    /// Bytes consumed, always at a line boundary.
    public var offset: Int64
    /// Lines consumed, so dead letters can name the line.
    public var lineNumber: Int64
    /// Hash of the input's first `fingerprintLength` bytes, to notice a file replaced under the same inode.
    public var fingerprint: UInt64
    public var fingerprintLength: Int

    public init(
        source: String, inputKey: String, path: String, offset: Int64, lineNumber: Int64,
        fingerprint: UInt64, fingerprintLength: Int
    ) {
        self.source = source
        self.inputKey = inputKey
        self.path = path
        self.offset = offset
        self.lineNumber = lineNumber
        self.fingerprint = fingerprint
        self.fingerprintLength = fingerprintLength
    }
}

/// A line that could not become an event: kept with enough context to find and fix it.
public struct DeadLetter: Sendable, Hashable {
    /// What went wrong, coarse enough to count by.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case invalidUTF8 = "invalid_utf8"
        case invalidJSON = "invalid_json"
        case schema
        case lineTooLong = "line_too_long"
        case truncated
        /// Stamped too far ahead of the receiving clock or before the epoch (`TimestampPolicy`).
        case timestampOutOfRange = "timestamp_out_of_range"
    }

    public var source: String
    public var kind: Kind
    /// File path, or the endpoint for pushed data.
    public var location: String
    /// 1-based line number within the input, or 0 when there is none.
    public var line: Int64
    public var reason: String
    /// The first bytes of the offending input, at most `excerptLimit`.
    public var excerpt: [UInt8]
    public var receivedAt: Timestamp

    public static let excerptLimit = 256

    public init(
        source: String, kind: Kind, location: String, line: Int64, reason: String, excerpt: some Collection<UInt8>,
        receivedAt: Timestamp
    ) {
        self.source = source
        self.kind = kind
        self.location = location
        self.line = line
        self.reason = reason
        self.excerpt = Array(excerpt.prefix(Self.excerptLimit))
        self.receivedAt = receivedAt
    }
}

/// What a collector hands to storage in one go.
public struct IngestBatch: Sendable {
    public var events: [InferenceEvent]
    public var deadLetters: [DeadLetter]
    /// Checkpoints to upsert with this batch.
    public var checkpoints: [SourceCheckpoint]
    /// Inputs that are gone for good (deleted files), whose checkpoints can be dropped.
    public var finishedInputs: [(source: String, inputKey: String)]
    /// Named samples that belong with these events (counters kept by ingest stages,
    /// such as security findings), committed in the same transaction.
    public var samples: [(labels: Labels, sample: Sample)] = []
    /// Skip events whose request id is already stored. Pushed data needs this
    /// (a client retries a batch whose answer it never saw); tailed files are
    /// exactly-once by their checkpoints and skip the cost.
    public var deduplicateByRequestID = false
    /// The configured source every event of the batch came from (a file source's
    /// name, a push source, `otlp`), stored with each row and used to say where
    /// events that arrive already past the event retention came from.
    public var source: String?
    /// Truth labels read with the events (a file source with the `labels` profile),
    /// stored in the same transaction as the checkpoints that cover their lines.
    public var labels: [TruthLabel] = []

    public init(
        events: [InferenceEvent] = [], deadLetters: [DeadLetter] = [], checkpoints: [SourceCheckpoint] = [],
        finishedInputs: [(source: String, inputKey: String)] = []
    ) {
        self.events = events
        self.deadLetters = deadLetters
        self.checkpoints = checkpoints
        self.finishedInputs = finishedInputs
    }

    public var isEmpty: Bool {
        events.isEmpty && deadLetters.isEmpty && checkpoints.isEmpty && finishedInputs.isEmpty && samples.isEmpty
            && labels.isEmpty
    }
}

/// A step every batch passes through before it is stored, whatever collector it
/// came from: pricing, redaction of secrets, security counters. Stages run in
/// order, and what they change is written in the batch's one transaction.
public protocol IngestStage: Sendable {
    func process(_ batch: inout IngestBatch) async throws
    /// The batch this stage processed last was not stored (the write failed and
    /// its collector will send it again): a stage that keeps running counts puts
    /// them back to what they were, so a retried batch is not counted twice.
    func batchNotStored() async
}

extension IngestStage {
    public func batchNotStored() async {}
}

/// An `IngestSink` that runs stages before handing the batch on. One batch at a
/// time goes through the stages and the store, so "the batch a stage processed
/// last" is the one whose write just failed, and counts stay with the rows.
public struct StagedSink: IngestSink {
    public let stages: [any IngestStage]
    public let next: any IngestSink
    private let gate = AsyncMutex()

    public init(stages: [any IngestStage], next: any IngestSink) {
        self.stages = stages
        self.next = next
    }

    public func write(_ batch: IngestBatch) async throws {
        try await gate.withLock {
            var batch = batch
            do {
                for stage in stages { try await stage.process(&batch) }
                try await next.write(batch)
            } catch {
                for stage in stages.reversed() { await stage.batchNotStored() }
                throw error
            }
        }
    }
}

/// The one thing collectors need from storage: write a batch atomically.
public protocol IngestSink: Sendable {
    /// Stores events, dead letters and checkpoints in one transaction; when it
    /// returns, all of them are durable, and if it throws, none of them are.
    func write(_ batch: IngestBatch) async throws
}

/// Where a restarted collector learns how far it got.
public protocol CheckpointSource: Sendable {
    func checkpoints(source: String) throws -> [SourceCheckpoint]
}
