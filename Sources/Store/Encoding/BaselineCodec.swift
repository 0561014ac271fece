public import InfermonCore

/// Binary form of a baseline's event columns: varints, little-endian doubles and
/// length-prefixed UTF-8, versioned by a leading tag so the format can grow.
package enum BaselineCodec {
    private static let version: UInt64 = 1

    package static func encode(_ columns: [EventColumns]) -> [UInt8] {
        var out: [UInt8] = []
        appendVarint(version, to: &out)
        appendVarint(UInt64(columns.count), to: &out)
        for model in columns {
            appendString(model.model, to: &out)
            appendVarint(UInt64(model.count), to: &out)
            var previous: Int64 = 0
            for timestamp in model.timestamps {
                appendVarint(zigzag(timestamp - previous), to: &out)
                previous = timestamp
            }
            appendVarint(UInt64(model.numeric.count), to: &out)
            for name in model.numeric.keys.sorted() {
                appendString(name, to: &out)
                for value in model.numeric[name]! { appendDouble(value, to: &out) }
            }
            appendVarint(UInt64(model.categorical.count), to: &out)
            for name in model.categorical.keys.sorted() {
                let column = model.categorical[name]!
                appendString(name, to: &out)
                appendVarint(UInt64(column.categories.count), to: &out)
                for category in column.categories { appendString(category, to: &out) }
                for code in column.codes { appendVarint(UInt64(Int64(code) + 1), to: &out) }
            }
            if let prefixes = model.responsePrefixes {
                out.append(1)
                for prefix in prefixes { appendString(prefix, to: &out) }
            } else {
                out.append(0)
            }
        }
        return out
    }

    package static func decode(_ bytes: [UInt8]) throws -> [EventColumns] {
        var reader = ByteReader(bytes)
        guard try reader.varint() == version else { throw InfermonError.storage("unknown baseline format") }
        let models = try count(&reader, limit: 1 << 20)
        var result: [EventColumns] = []
        for _ in 0..<models {
            var columns = EventColumns(model: try string(&reader))
            let events = try count(&reader, limit: bytes.count)
            var previous: Int64 = 0
            columns.timestamps.reserveCapacity(events)
            for _ in 0..<events {
                previous += unzigzag(try reader.varint())
                columns.timestamps.append(previous)
            }
            for _ in 0..<(try count(&reader, limit: 1 << 20)) {
                let name = try string(&reader)
                var values = [Double](repeating: 0, count: events)
                for index in 0..<events { values[index] = try reader.double() }
                columns.numeric[name] = values
            }
            for _ in 0..<(try count(&reader, limit: 1 << 20)) {
                let name = try string(&reader)
                var column = CategoricalColumn()
                for _ in 0..<(try count(&reader, limit: bytes.count)) { column.categories.append(try string(&reader)) }
                column.codes.reserveCapacity(events)
                for _ in 0..<events {
                    let code = Int64(try reader.varint()) - 1
                    guard code < column.categories.count else { throw InfermonError.storage("corrupt baseline") }
                    column.codes.append(Int32(code))
                }
                columns.categorical[name] = column
            }
            if try reader.byte() == 1 {
                var prefixes: [String] = []
                for _ in 0..<events { prefixes.append(try string(&reader)) }
                columns.responsePrefixes = prefixes
            }
            result.append(columns)
        }
        return result
    }

    private static func appendString(_ text: String, to out: inout [UInt8]) {
        appendVarint(UInt64(text.utf8.count), to: &out)
        out.append(contentsOf: text.utf8)
    }

    private static func string(_ reader: inout ByteReader) throws -> String {
        let length = try count(&reader, limit: reader.bytes.count - reader.position)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        for _ in 0..<length { bytes.append(try reader.byte()) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func count(_ reader: inout ByteReader, limit: Int) throws -> Int {
        let value = try reader.varint()
        guard value <= UInt64(max(limit, 0)) else { throw InfermonError.storage("corrupt baseline") }
        return Int(value)
    }
}
