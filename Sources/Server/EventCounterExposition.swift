public import InfermonCore

/// `/metrics`' event-derived families written from each key's latest counters
/// in one pass, as bytes: the same text `EventSeriesExposition.render` makes
/// from series (`EventCounterExpositionTests` holds them to each other), at a
/// cost per line of a few copies. 10,000 label sets are ~450,000 lines; through
/// series and `Labels` a scrape of them took 20-30 s, past Prometheus's timeout.
public enum EventCounterExposition {
    public static func render(_ reader: any LatestEventCountersReader, from: Timestamp, through: Timestamp) throws
        -> String
    {
        var requests: [UInt8] = []
        var latency: [UInt8] = []
        var ttft: [UInt8] = []
        var tokens: [UInt8] = []
        var cost: [UInt8] = []
        let latencyBounds = bounds(EventMetrics.durationBuckets)
        let ttftBounds = bounds(EventMetrics.timeToFirstTokenBuckets)
        // Lines of one key sort by their text, in which the type's value decides.
        let tokenTypes = EventMetrics.TokenType.allCases.enumerated().sorted {
            $0.element.rawValue < $1.element.rawValue
        }
        .map { (index: $0.offset, value: Array($0.element.rawValue.utf8)) }
        try reader.forEachLatestEventCounters(from: from, through: through) { counters in
            let text = KeyText(counters.labels)
            requests.line(EventMetrics.requestsTotal, text.plain, counters.requests)
            if counters.latencyCount != 0 {
                latency.histogram(
                    EventMetrics.requestDuration, text, latencyBounds, counters.latencyBuckets, counters.latencySum,
                    counters.latencyCount)
            }
            if counters.ttftCount != 0 {
                ttft.histogram(
                    EventMetrics.timeToFirstToken, text, ttftBounds, counters.ttftBuckets, counters.ttftSum,
                    counters.ttftCount)
            }
            for type in tokenTypes {
                tokens.append(contentsOf: EventMetrics.tokensTotal.utf8)
                tokens.labels(text.type, value: type.value)
                tokens.value(counters.tokens[type.index])
            }
            cost.line(EventMetrics.costTotal, text.plain, counters.cost)
        }
        var out: [UInt8] = []
        out.reserveCapacity(requests.count + latency.count + ttft.count + tokens.count + cost.count + 1_024)
        for ((name, body), family) in zip(
            [
                (EventMetrics.requestsTotal, requests), (EventMetrics.requestDuration, latency),
                (EventMetrics.timeToFirstToken, ttft), (EventMetrics.tokensTotal, tokens),
                (EventMetrics.costTotal, cost),
            ], EventSeriesExposition.families) where !body.isEmpty
        {
            precondition(name == family.name, "families out of order")
            out.append(contentsOf: "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) \(family.type)\n".utf8)
            out.append(contentsOf: body)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `le` values as the series carry them: each bound, then `+Inf`.
    private static func bounds(_ bounds: [Double]) -> [[UInt8]] {
        bounds.map { Array(formatJSONNumber($0).utf8) } + [Array("+Inf".utf8)]
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

extension [UInt8] {
    fileprivate mutating func line(_ name: String, _ labels: [UInt8], _ number: Double) {
        append(contentsOf: name.utf8)
        append(contentsOf: labels)
        value(number)
    }

    fileprivate mutating func histogram(
        _ name: String, _ text: KeyText, _ bounds: [[UInt8]], _ buckets: [Double], _ sum: Double, _ count: Double
    ) {
        for (bound, bucket) in zip(bounds, buckets) {
            append(contentsOf: name.utf8)
            append(contentsOf: "_bucket".utf8)
            labels(text.le, value: bound)
            value(bucket)
        }
        line(name + "_sum", text.plain, sum)
        line(name + "_count", text.plain, count)
    }

    /// `{…,extra="value",…}` from a key's split text; the value needs no escaping.
    fileprivate mutating func labels(_ split: (head: [UInt8], tail: [UInt8]), value: [UInt8]) {
        append(contentsOf: split.head)
        append(contentsOf: value)
        append(contentsOf: split.tail)
    }

    /// ` value\n`, as `EventSeriesExposition.formatValue` writes it; whole
    /// numbers, nearly every counter, without making a `String`.
    fileprivate mutating func value(_ number: Double) {
        append(0x20)
        if number.isFinite, number == number.rounded(), Swift.abs(number) < 1e15 {
            var whole = Int64(number)
            if whole < 0 {
                append(0x2D)
                whole = -whole
            }
            let start = endIndex
            repeat {
                append(UInt8(truncatingIfNeeded: whole % 10) + 0x30)
                whole /= 10
            } while whole > 0
            self[start...].reverse()
        } else {
            append(contentsOf: EventSeriesExposition.formatValue(number).utf8)
        }
        append(0x0A)
    }
}
