public import InfermonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One-shot import of a whole file, on the calling thread: `infermon ingest` and
/// the ingestion benchmark. The last line counts even without a newline.
public enum FileImporter {
    public static func importFile(
        path: String, source: String, profile: any EventProfile,
        maxLineBytes: Int = FileSourceOptions.defaultMaxLineBytes,
        batchEvents: Int = FileSourceOptions.defaultBatchEvents, timestamps: TimestampPolicy = TimestampPolicy(),
        clock: any WallClock = SystemWallClock(), write: (IngestBatch) throws -> Void
    ) throws -> IngestTotals {
        let batches = try FileBatches(
            path: path, source: source, profile: profile, maxLineBytes: maxLineBytes, batchEvents: batchEvents,
            timestamps: timestamps, clock: clock)
        while let batch = try batches.next() { try write(batch) }
        return batches.totals
    }
}

/// A whole file read batch by batch, for callers that write each batch
/// themselves, synchronously or through the (async) ingest stages.
public final class FileBatches {
    private let descriptor: Int32
    private let reader: LineReader
    private let batchEvents: Int
    private let now: Timestamp
    private var atEnd = false
    /// What the batches returned so far held.
    public private(set) var totals = IngestTotals()

    public init(
        path: String, source: String, profile: any EventProfile,
        maxLineBytes: Int = FileSourceOptions.defaultMaxLineBytes,
        batchEvents: Int = FileSourceOptions.defaultBatchEvents, timestamps: TimestampPolicy = TimestampPolicy(),
        clock: any WallClock = SystemWallClock()
    ) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw InfermonError.io("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard let info = FileSystem.stat(descriptor: descriptor), FileSystem.isRegularFile(info) else {
            close(descriptor)
            throw InfermonError.io("\(path) is not a regular file")
        }
        self.descriptor = descriptor
        self.batchEvents = batchEvents
        self.now = clock.now()
        reader = LineReader(
            source: source, path: path, descriptor: descriptor, profile: profile, maxLineBytes: maxLineBytes, offset: 0,
            lineNumber: 0, timestamps: timestamps)
    }

    deinit { close(descriptor) }

    /// The next non-empty batch (up to `batchEvents` events or `FileSourceOptions.maxBatchBytes`
    /// of input), or nil at the end.
    public func next() throws -> IngestBatch? {
        while !atEnd {
            var batch = BatchBuilder()
            // A whole file is read at full speed, so batches fill up: room for one
            // up front spares the copies of growing the array (events are large).
            batch.events.reserveCapacity(batchEvents + 4096)
            repeat {
                atEnd = try reader.read(into: &batch, budget: 1 << 20, now: now, final: true)
            } while !atEnd && batch.events.count < batchEvents && batch.bytes < FileSourceOptions.maxBatchBytes
            totals.lines += batch.linesRead
            totals.events += batch.events.count
            totals.deadLetters += batch.deadLetters.count
            totals.bytes += batch.bytes
            if !batch.isEmpty { return batch.build(source: reader.source) }
        }
        return nil
    }
}
