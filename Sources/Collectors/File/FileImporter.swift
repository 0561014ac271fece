import InfermonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One-shot import of a whole file, on the calling thread: `infermon ingest` and
/// the ingestion benchmark. The last line counts even without a newline.
public enum FileImporter {
    public static func importFile(
        path: String, source: String, profile: any EventProfile, maxLineBytes: Int = 1 << 20, batchEvents: Int = 10_000,
        clock: any WallClock = SystemWallClock(), write: (IngestBatch) throws -> Void
    ) throws -> IngestTotals {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw InfermonError.io("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard let info = FileSystem.stat(descriptor: descriptor), FileSystem.isRegularFile(info) else {
            throw InfermonError.io("\(path) is not a regular file")
        }
        let reader = LineReader(
            source: source, path: path, descriptor: descriptor, profile: profile, maxLineBytes: maxLineBytes, offset: 0,
            lineNumber: 0)
        var totals = IngestTotals()
        var batch = BatchBuilder()
        let now = clock.now()
        var atEnd = false
        while !atEnd {
            atEnd = try reader.read(into: &batch, budget: 1 << 20, now: now, final: true)
            if batch.events.count >= batchEvents || batch.bytes >= 32 << 20 || atEnd {
                if !batch.isEmpty { try write(batch.build()) }
                totals.lines += batch.linesRead
                totals.events += batch.events.count
                totals.deadLetters += batch.deadLetters.count
                totals.bytes += batch.bytes
                batch = BatchBuilder()
            }
        }
        return totals
    }
}
