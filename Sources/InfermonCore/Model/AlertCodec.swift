/// A compact, versioned binary form of alerts, for stores that must keep them
/// (the notification log) without a JSON parser on the read side.
public enum AlertCodec {
    private static let version: UInt8 = 1

    public static func encode(_ alerts: [Alert]) -> [UInt8] {
        var out: [UInt8] = [version]
        appendVarint(UInt64(alerts.count), to: &out)
        for alert in alerts {
            appendVarint(UInt64(alert.labels.count), to: &out)
            for label in alert.labels {
                appendString(label.name, to: &out)
                appendString(label.value, to: &out)
            }
            let annotations = alert.annotations.sorted { $0.key < $1.key }
            appendVarint(UInt64(annotations.count), to: &out)
            for (key, value) in annotations {
                appendString(key, to: &out)
                appendString(value, to: &out)
            }
            appendVarint(zigzag(alert.startsAt), to: &out)
            appendVarint(zigzag(alert.endsAt), to: &out)
            appendString(alert.generatorURL, to: &out)
        }
        return out
    }

    public static func decode(_ bytes: [UInt8]) throws -> [Alert] {
        var reader = ByteReader(bytes)
        guard try reader.byte() == version else { throw InfermonError.storage("unknown alert encoding version") }
        let count = try reader.varint()
        var alerts: [Alert] = []
        for _ in 0..<count {
            var labels: [Label] = []
            for _ in 0..<(try reader.varint()) {
                labels.append(Label(try readString(&reader), try readString(&reader)))
            }
            var annotations: [String: String] = [:]
            for _ in 0..<(try reader.varint()) {
                let key = try readString(&reader)
                annotations[key] = try readString(&reader)
            }
            let startsAt = unzigzag(try reader.varint())
            let endsAt = unzigzag(try reader.varint())
            let generatorURL = try readString(&reader)
            alerts.append(
                Alert(
                    labels: Labels(labels), annotations: annotations, startsAt: startsAt, endsAt: endsAt,
                    generatorURL: generatorURL))
        }
        return alerts
    }

    private static func appendString(_ text: String, to out: inout [UInt8]) {
        appendVarint(UInt64(text.utf8.count), to: &out)
        out.append(contentsOf: text.utf8)
    }

    private static func readString(_ reader: inout ByteReader) throws -> String {
        let length = Int(try reader.varint())
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for _ in 0..<length { bytes.append(try reader.byte()) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw InfermonError.storage("alert text is not UTF-8")
        }
        return text
    }
}
