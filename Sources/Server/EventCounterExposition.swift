public import InfermonCore
public import NIOCore

/// `/metrics`' event-derived families written from each key's latest counters
/// in one pass, as bytes: the same text `EventSeriesExposition.render` makes
/// from series (`EventCounterExpositionTests` holds them to each other), at a
/// cost per line of a few copies. 10,000 label sets are ~450,000 lines; through
/// series and `Labels` a scrape of them took 20-30 s, past Prometheus's timeout.
public enum EventCounterExposition {
    /// The families as text; `write` is what `/metrics` uses.
    public static func render(_ reader: any LatestEventCountersReader, from: Timestamp, through: Timestamp) throws
        -> String
    {
        var buffer = ByteBuffer()
        try write(reader, from: from, through: through, into: &buffer)
        return String(buffer: buffer)
    }

    /// Appends the families to `buffer`. The keys' counters are read first
    /// (about 400 B a key), so each family is written in one go into space
    /// reserved for all of them: no intermediate copies of a 40 MB page.
    public static func write(
        _ reader: any LatestEventCountersReader, from: Timestamp, through: Timestamp, into buffer: inout ByteBuffer
    ) throws {
        var keys: [(text: KeyText, counters: LatestEventCounters)] = []
        var labelBytes = 0
        try reader.forEachLatestEventCounters(from: from, through: through) { counters in
            let text = KeyText(counters.labels)
            labelBytes += text.plain.count
            keys.append((text, counters))
        }
        guard !keys.isEmpty else { return }
        // 42 lines a key at most, each its labels (and an `le` or `type`), a name and a value.
        buffer.reserveCapacity(buffer.writerIndex + 42 * (labelBytes + keys.count * 70) + 2_048)
        let latencyBounds = bounds(EventMetrics.durationBuckets)
        let ttftBounds = bounds(EventMetrics.timeToFirstTokenBuckets)
        // Lines of one key sort by their text, in which the type's value decides.
        let tokenTypes = EventMetrics.TokenType.allCases.enumerated()
            .sorted { $0.element.rawValue < $1.element.rawValue }
            .map { (index: $0.offset, value: Array($0.element.rawValue.utf8)) }
        let names = (
            requests: Array(EventMetrics.requestsTotal.utf8), tokens: Array(EventMetrics.tokensTotal.utf8),
            cost: Array(EventMetrics.costTotal.utf8)
        )
        for family in EventSeriesExposition.families {
            let header = buffer.writerIndex
            buffer.writeString("# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n")
            let body = buffer.writerIndex
            switch family.name {
            case EventMetrics.requestsTotal:
                for key in keys { buffer.line(names.requests, key.text.plain, key.counters.requests) }
            case EventMetrics.requestDuration:
                let histogram = HistogramNames(EventMetrics.requestDuration)
                for key in keys where key.counters.latencyCount != 0 {
                    buffer.histogram(
                        histogram, key.text, latencyBounds, key.counters.latencyBuckets, key.counters.latencySum,
                        key.counters.latencyCount)
                }
            case EventMetrics.timeToFirstToken:
                let histogram = HistogramNames(EventMetrics.timeToFirstToken)
                for key in keys where key.counters.ttftCount != 0 {
                    buffer.histogram(
                        histogram, key.text, ttftBounds, key.counters.ttftBuckets, key.counters.ttftSum,
                        key.counters.ttftCount)
                }
            case EventMetrics.tokensTotal:
                for key in keys {
                    for type in tokenTypes {
                        buffer.writeBytes(names.tokens)
                        buffer.labels(key.text.type, value: type.value)
                        buffer.value(key.counters.tokens[type.index])
                    }
                }
            case EventMetrics.costTotal:
                for key in keys { buffer.line(names.cost, key.text.plain, key.counters.cost) }
            default:
                preconditionFailure("no counters for \(family.name)")
            }
            // A family with no lines has no header either.
            if buffer.writerIndex == body { buffer.moveWriterIndex(to: header) }
        }
    }

    /// `le` values as the series carry them: each bound, then `+Inf`.
    private static func bounds(_ bounds: [Double]) -> [[UInt8]] {
        bounds.map { Array(formatJSONNumber($0).utf8) } + [Array("+Inf".utf8)]
    }
}

/// A histogram's three series names, as bytes.
struct HistogramNames {
    let bucket: [UInt8]
    let sum: [UInt8]
    let count: [UInt8]

    init(_ name: String) {
        bucket = Array((name + "_bucket").utf8)
        sum = Array((name + "_sum").utf8)
        count = Array((name + "_count").utf8)
    }
}

/// A key's labels as exposition text, made once for all its lines: alone, and
/// split around where an `le` or a `type` label sorts in.
struct KeyText {
    /// `{a="1",b="2"}`, or nothing for a key without labels.
    let plain: [UInt8]
    let le: (head: [UInt8], tail: [UInt8])
    let type: (head: [UInt8], tail: [UInt8])

    init(_ labels: Labels) {
        let pairs = labels.pairs.filter { $0.name != Labels.metricName }
        let texts = pairs.map { Array("\($0.name)=\"\(escapeLabelValue($0.value))\"".utf8) }
        plain = texts.isEmpty ? [] : Array("{".utf8) + Array(texts.joined(separator: Array(",".utf8))) + Array("}".utf8)
        func split(_ extra: String) -> (head: [UInt8], tail: [UInt8]) {
            let cut = pairs.firstIndex { $0.name > extra } ?? pairs.count
            var head = Array("{".utf8)
            for text in texts[..<cut] { head += text + Array(",".utf8) }
            head += Array("\(extra)=\"".utf8)
            var tail = Array("\"".utf8)
            for text in texts[cut...] { tail += Array(",".utf8) + text }
            tail += Array("}".utf8)
            return (head, tail)
        }
        le = split("le")
        type = split("type")
    }
}

extension ByteBuffer {
    fileprivate mutating func line(_ name: [UInt8], _ labels: [UInt8], _ number: Double) {
        writeBytes(name)
        writeBytes(labels)
        value(number)
    }

    fileprivate mutating func histogram(
        _ names: HistogramNames, _ text: KeyText, _ bounds: [[UInt8]], _ buckets: [Double], _ sum: Double,
        _ count: Double
    ) {
        for (bound, bucket) in zip(bounds, buckets) {
            writeBytes(names.bucket)
            labels(text.le, value: bound)
            value(bucket)
        }
        line(names.sum, text.plain, sum)
        line(names.count, text.plain, count)
    }

    /// `{…,extra="value",…}` from a key's split text; the value needs no escaping.
    fileprivate mutating func labels(_ split: (head: [UInt8], tail: [UInt8]), value: [UInt8]) {
        writeBytes(split.head)
        writeBytes(value)
        writeBytes(split.tail)
    }

    /// ` value\n`, as `EventSeriesExposition.formatValue` writes it; whole
    /// numbers, nearly every counter, without making a `String`.
    fileprivate mutating func value(_ number: Double) {
        writeInteger(UInt8(0x20))
        if number.isFinite, number == number.rounded(), Swift.abs(number) < 1e15 {
            var whole = Int64(number)
            if whole < 0 {
                writeInteger(UInt8(0x2D))
                whole = -whole
            }
            // At most 15 digits, written from the last into a fixed tuple.
            var digits: (UInt64, UInt64) = (0, 0)
            let count = withUnsafeMutableBytes(of: &digits) { space in
                var index = space.count
                repeat {
                    index -= 1
                    space[index] = UInt8(truncatingIfNeeded: whole % 10) + 0x30
                    whole /= 10
                } while whole > 0
                return space.count - index
            }
            withUnsafeBytes(of: &digits) { writeBytes(UnsafeRawBufferPointer(rebasing: $0.suffix(count))) }
        } else {
            writeString(EventSeriesExposition.formatValue(number))
        }
        writeInteger(UInt8(0x0A))
    }
}
