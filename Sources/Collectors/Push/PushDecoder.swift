public import InfermonCore

/// Turns a pushed body into a batch: JSON lines, or one JSON array of objects,
/// or a single object. Each element is decoded on its own, so one bad element
/// becomes a dead letter and the rest are kept, as with files.
public enum PushDecoder {
    public struct Result: Sendable {
        public var batch: IngestBatch
        /// Element index (0-based) and reason of each rejected element.
        public var rejected: [(index: Int, reason: String)]
    }

    public static func decode(
        body: [UInt8], profile: any EventProfile, source: String, location: String, now: Timestamp,
        maxElementBytes: Int = 1 << 20, timestamps: TimestampPolicy = TimestampPolicy()
    ) throws(EventDecodingError) -> Result {
        var batch = IngestBatch()
        batch.deduplicateByRequestID = true
        batch.source = source
        var rejected: [(index: Int, reason: String)] = []
        let elements = try body.withUnsafeBufferPointer { bytes throws(EventDecodingError) in try split(bytes) }
        body.withUnsafeBufferPointer { bytes in
            for (index, range) in elements.enumerated() {
                let element = UnsafeBufferPointer(rebasing: bytes[range])
                guard element.count <= maxElementBytes else {
                    let reason = "element of \(element.count) bytes exceeds the limit of \(maxElementBytes)"
                    rejected.append((index, reason))
                    batch.deadLetters.append(
                        DeadLetter(
                            source: source, kind: .lineTooLong, location: location, line: Int64(index + 1),
                            reason: reason, excerpt: element, receivedAt: now))
                    continue
                }
                do {
                    let event = try profile.decode(element)
                    if let reason = timestamps.violation(event.timestamp, now: now) {
                        throw EventDecodingError(reason, kind: .timestampOutOfRange)
                    }
                    batch.events.append(event)
                } catch let error as EventDecodingError {
                    rejected.append((index, error.reason))
                    batch.deadLetters.append(
                        DeadLetter(
                            source: source, kind: error.kind, location: location, line: Int64(index + 1),
                            reason: error.reason,
                            excerpt: element, receivedAt: now))
                } catch {
                    rejected.append((index, "\(error)"))
                }
            }
        }
        return Result(batch: batch, rejected: rejected)
    }

    /// Byte ranges of the elements: the members of a top-level array, or the non-blank lines.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>) throws(EventDecodingError) -> [Range<Int>] {
        var start = 0
        while start < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start]) { start += 1 }
        guard start < bytes.count else { return [] }
        if bytes[start] == UInt8(ascii: "[") {
            guard isValidUTF8(bytes) else { throw EventDecodingError("body is not valid UTF-8", kind: .invalidUTF8) }
            var scanner = JSONScanner(bytes)
            var ranges: [Range<Int>] = []
            do {
                try scanner.readArray { scanner in ranges.append(try scanner.skipValue()) }
                try scanner.expectEnd()
            } catch let error as JSONSyntaxError {
                throw EventDecodingError("body is not a JSON array: \(error)", kind: .invalidJSON)
            } catch {
                throw EventDecodingError("\(error)", kind: .invalidJSON)
            }
            return ranges
        }
        var ranges: [Range<Int>] = []
        var lineStart = start
        for index in start..<bytes.count where bytes[index] == 0x0A {
            appendLine(lineStart..<index, bytes, &ranges)
            lineStart = index + 1
        }
        appendLine(lineStart..<bytes.count, bytes, &ranges)
        return ranges
    }

    private static func appendLine(
        _ range: Range<Int>, _ bytes: UnsafeBufferPointer<UInt8>, _ ranges: inout [Range<Int>]
    ) {
        var upper = range.upperBound
        if upper > range.lowerBound, bytes[upper - 1] == 0x0D { upper -= 1 }
        let line = range.lowerBound..<upper
        if bytes[line].contains(where: { $0 != 0x20 && $0 != 0x09 }) { ranges.append(line) }
    }
}
