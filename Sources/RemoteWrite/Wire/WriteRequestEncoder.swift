public import InfermonCore

/// Writes a remote write 1.0 `WriteRequest` by hand: four small messages do not
/// justify generated code (swift-protobuf's plugin build is slow here), and
/// writing straight into one buffer avoids building message objects per sample.
///
/// ```proto
/// message WriteRequest { repeated TimeSeries timeseries = 1; }
/// message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
/// message Label        { string name = 1; string value = 2; }
/// message Sample       { double value = 1; int64 timestamp = 2; }
/// ```
///
/// Labels go out sorted by name, as receivers require (`Labels` keeps them so).
public enum WriteRequestEncoder {
    public static func encode(_ series: [Series]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(series.reduce(0) { $0 + 64 + $1.samples.count * 12 })
        var message: [UInt8] = []
        for entry in series {
            message.removeAll(keepingCapacity: true)
            for label in entry.labels {
                let name = label.name.utf8.count
                let value = label.value.utf8.count
                appendTag(1, wireType: 2, to: &message)
                appendVarint(
                    UInt64(1 + varintSize(UInt64(name)) + name + 1 + varintSize(UInt64(value)) + value), to: &message)
                appendTag(1, wireType: 2, to: &message)
                appendVarint(UInt64(name), to: &message)
                message.append(contentsOf: label.name.utf8)
                appendTag(2, wireType: 2, to: &message)
                appendVarint(UInt64(value), to: &message)
                message.append(contentsOf: label.value.utf8)
            }
            for sample in entry.samples {
                let timestamp = UInt64(bitPattern: sample.timestamp)
                appendTag(2, wireType: 2, to: &message)
                appendVarint(UInt64(9 + 1 + varintSize(timestamp)), to: &message)
                appendTag(1, wireType: 1, to: &message)
                appendDouble(sample.value, to: &message)
                appendTag(2, wireType: 0, to: &message)
                appendVarint(timestamp, to: &message)
            }
            appendTag(1, wireType: 2, to: &out)
            appendVarint(UInt64(message.count), to: &out)
            out.append(contentsOf: message)
        }
        return out
    }

    @inline(__always)
    static func appendTag(_ field: UInt64, wireType: UInt64, to out: inout [UInt8]) {
        appendVarint(field << 3 | wireType, to: &out)
    }

    @inline(__always)
    static func varintSize(_ value: UInt64) -> Int {
        value == 0 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7
    }
}
