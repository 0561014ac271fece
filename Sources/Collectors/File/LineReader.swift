public import InfermonCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Events, dead letters and progress gathered for one store write.
public struct BatchBuilder: Sendable {
    public var events: [InferenceEvent] = []
    /// Truth labels read by a source with the `labels` profile.
    public var labels: [TruthLabel] = []
    public var deadLetters: [DeadLetter] = []
    public var checkpoints: [String: SourceCheckpoint] = [:]
    public var finishedInputs: [(source: String, inputKey: String)] = []
    /// Approximate bytes of input represented, to bound memory.
    public var bytes = 0
    public var linesRead = 0

    public init() {}

    public var isEmpty: Bool {
        events.isEmpty && labels.isEmpty && deadLetters.isEmpty && checkpoints.isEmpty && finishedInputs.isEmpty
    }

    public func build(source: String) -> IngestBatch {
        var batch = IngestBatch(
            events: events, deadLetters: deadLetters, checkpoints: Array(checkpoints.values),
            finishedInputs: finishedInputs)
        batch.source = source
        batch.labels = labels
        return batch
    }
}

/// Reads one open file from a line boundary onward and turns complete lines into
/// events. It never advances past a line it has not finished, so the offset it
/// reports can be committed as a checkpoint: everything before it is in the
/// batch, nothing after it is.
final class LineReader {
    let source: String
    private(set) var path: String
    let descriptor: Int32
    let profile: any EventProfile
    /// Set for a `labels` source: its lines become truth labels, not events.
    let labelProfile: LabelLineProfile?
    let maxLineBytes: Int
    let timestamps: TimestampPolicy
    /// Offset of the first byte not yet turned into an event or dead letter.
    private(set) var offset: Int64
    /// Lines consumed before `offset`.
    private(set) var lineNumber: Int64
    private var buffer: [UInt8]
    /// Bytes of `buffer` that hold file data starting at `offset`.
    private var filled = 0
    /// How much of the buffer was already searched for a newline.
    private var scanned = 0
    /// Set while discarding an over-long line: the file position reading continues from.
    private var skipPosition: Int64?
    private var skipExcerpt: [UInt8] = []
    /// Label values repeated from line to line, made into strings once.
    private var strings = StringInterner()
    static let readSize = 1 << 20

    init(
        source: String, path: String, descriptor: Int32, profile: any EventProfile, maxLineBytes: Int, offset: Int64,
        lineNumber: Int64, timestamps: TimestampPolicy = TimestampPolicy()
    ) {
        self.source = source
        self.timestamps = timestamps
        self.path = path
        self.descriptor = descriptor
        self.profile = profile
        self.labelProfile = profile as? LabelLineProfile
        self.maxLineBytes = maxLineBytes
        self.offset = offset
        self.lineNumber = lineNumber
        self.buffer = [UInt8](repeating: 0, count: Self.readSize)
    }

    func rename(to newPath: String) { path = newPath }

    /// Forgets everything after `offset` and starts over at `newOffset` (truncation).
    func restart(at newOffset: Int64, lineNumber newLine: Int64) {
        offset = newOffset
        lineNumber = newLine
        filled = 0
        scanned = 0
        skipPosition = nil
        skipExcerpt = []
    }

    /// Reads what is available, up to about `budget` bytes, into `batch`.
    /// Returns true when it stopped at end of file. With `final`, a last line
    /// without a newline is taken as complete (the file will not grow again).
    func read(into batch: inout BatchBuilder, budget: Int, now: Timestamp, final: Bool = false) throws -> Bool {
        var consumedThisCall = 0
        while consumedThisCall < budget {
            if filled == buffer.count {
                // A line longer than the buffer: grow up to the limit, then skip.
                if buffer.count < maxLineBytes + 1 {
                    buffer.append(
                        contentsOf: repeatElement(0, count: min(buffer.count, maxLineBytes + 1 - buffer.count)))
                } else {
                    beginSkipping(now: now, batch: &batch)
                }
            }
            let readFrom = skipPosition ?? (offset + Int64(filled))
            let count = buffer.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + filled, raw.count - filled, off_t(readFrom))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw InfermonError.io("read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 {
                if final { finishPartialLine(into: &batch, now: now) }
                return true
            }
            consumedThisCall += count
            if let position = skipPosition {
                try continueSkipping(from: position, count: count, batch: &batch, now: now)
                continue
            }
            filled += count
            processLines(into: &batch, now: now)
        }
        return false
    }

    private func processLines(into batch: inout BatchBuilder, now: Timestamp) {
        var lineStart = 0
        buffer.withUnsafeBufferPointer { bytes in
            var position = scanned
            while position < filled {
                guard let newline = memchr(bytes.baseAddress! + position, 0x0A, filled - position) else {
                    position = filled
                    break
                }
                let lineEnd = bytes.baseAddress!.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                var contentEnd = lineEnd
                if contentEnd > lineStart, bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
                let line = UnsafeBufferPointer(rebasing: bytes[lineStart..<contentEnd])
                lineNumber += 1
                handle(line, batch: &batch, now: now)
                lineStart = lineEnd + 1
                position = lineStart
            }
        }
        // Keep the unfinished tail at the front of the buffer.
        if lineStart > 0 {
            let remaining = filled - lineStart
            if remaining > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + lineStart, remaining)
                }
            }
            offset += Int64(lineStart)
            batch.bytes += lineStart
            filled = remaining
        }
        scanned = filled
    }

    private func handle(_ line: UnsafeBufferPointer<UInt8>, batch: inout BatchBuilder, now: Timestamp) {
        batch.linesRead += 1
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        if line.count > maxLineBytes {
            batch.deadLetters.append(
                DeadLetter(
                    source: source, kind: .lineTooLong, location: path, line: lineNumber,
                    reason: "line of \(line.count) bytes exceeds the limit of \(maxLineBytes)", excerpt: line,
                    receivedAt: now))
            return
        }
        if let labelProfile {
            guard isValidUTF8(line) else {
                batch.deadLetters.append(
                    DeadLetter(
                        source: source, kind: .invalidUTF8, location: path, line: lineNumber, reason: "invalid UTF-8",
                        excerpt: line, receivedAt: now))
                return
            }
            do {
                batch.labels.append(try labelProfile.decodeLabel(validUTF8: line, receivedAt: now))
            } catch {
                let decoding = error as? EventDecodingError ?? EventDecodingError("\(error)")
                batch.deadLetters.append(
                    DeadLetter(
                        source: source, kind: decoding.kind, location: path, line: lineNumber, reason: decoding.reason,
                        excerpt: line, receivedAt: now))
            }
            return
        }
        // Decoded in place at the end of the batch; a line that fails takes its slot back.
        batch.events.append(InferenceEvent(timestamp: .min))
        do throws(EventDecodingError) {
            try profile.decode(line, into: &batch.events[batch.events.count - 1], strings: &strings)
            if let reason = timestamps.violation(batch.events[batch.events.count - 1].timestamp, now: now) {
                throw EventDecodingError(reason, kind: .timestampOutOfRange)
            }
        } catch {
            batch.events.removeLast()
            batch.deadLetters.append(
                DeadLetter(
                    source: source, kind: error.kind, location: path, line: lineNumber, reason: error.reason,
                    excerpt: line, receivedAt: now))
        }
    }

    /// The buffer is full of one line: note it, drop the bytes, and read on without keeping them.
    private func beginSkipping(now: Timestamp, batch: inout BatchBuilder) {
        skipExcerpt = Array(buffer.prefix(DeadLetter.excerptLimit))
        skipPosition = offset + Int64(filled)
        filled = 0
        scanned = 0
    }

    private func continueSkipping(from position: Int64, count: Int, batch: inout BatchBuilder, now: Timestamp) throws {
        let found = buffer.withUnsafeBufferPointer { bytes in memchr(bytes.baseAddress!, 0x0A, count) }
        guard let found else {
            skipPosition = position + Int64(count)
            return
        }
        let index = buffer.withUnsafeBufferPointer {
            $0.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
        let lineEnd = position + Int64(index)
        lineNumber += 1
        batch.deadLetters.append(
            DeadLetter(
                source: source, kind: .lineTooLong, location: path, line: lineNumber,
                reason: "line of \(lineEnd - offset) bytes exceeds the limit of \(maxLineBytes)", excerpt: skipExcerpt,
                receivedAt: now))
        batch.linesRead += 1
        batch.bytes += Int(lineEnd + 1 - offset)
        offset = lineEnd + 1
        skipPosition = nil
        skipExcerpt = []
        filled = 0
        scanned = 0
    }

    /// At the end of a file that will not grow, the bytes after the last newline are a line too.
    private func finishPartialLine(into batch: inout BatchBuilder, now: Timestamp) {
        if skipPosition != nil {
            lineNumber += 1
            batch.deadLetters.append(
                DeadLetter(
                    source: source, kind: .lineTooLong, location: path, line: lineNumber,
                    reason: "over-long last line without a newline", excerpt: skipExcerpt, receivedAt: now))
            skipPosition = nil
            return
        }
        guard filled > 0 else { return }
        buffer.withUnsafeBufferPointer { bytes in
            lineNumber += 1
            handle(UnsafeBufferPointer(rebasing: bytes[0..<filled]), batch: &batch, now: now)
        }
        offset += Int64(filled)
        batch.bytes += filled
        filled = 0
        scanned = 0
    }

    /// Bytes buffered after `offset` that are not yet a complete line.
    var pendingBytes: Int { filled }
}
