import Foundation
import InfermonCore
import Testing

@testable import Collectors

/// The scanner skips through strings eight bytes at a time; these put the byte
/// that ends or interrupts a string at every offset of every word, and compare
/// with Foundation's JSON decoder.
@Suite("JSON scanner strings and member names")
struct JSONScannerTests {
    /// Escapes and multi-byte text that must come out as Foundation decodes them.
    static let specials = [#"\""#, #"\\"#, #"\n"#, #"\u00e9"#, #"\ud83d\ude00"#, "é", "日本", #"\/"#]

    @Test("every length and every position of a special sequence", arguments: specials)
    func stringsDecodeAsFoundationDoes(special: String) throws {
        for length in 0...24 {
            for position in 0...length {
                let plain = (0..<length).map { Character(UnicodeScalar(UInt8(0x61 + $0 % 26))) }
                let text = String(plain[..<position]) + special + String(plain[position...])
                let line = #"{"timestamp":1795830531,"model":"m","tenant":"\#(text)","route":"r"}"#
                let event = try NativeProfile().decode(line)
                let expected = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                #expect(event.tenant == expected["tenant"] as? String, "\(line)")
                #expect(event.route == "r")
            }
        }
    }

    @Test("a raw control byte is refused at its own offset, wherever it is")
    func controlBytesAreRefusedWhereTheyAre() {
        for length in 0...20 {
            for position in 0..<max(length, 1) {
                for control: UInt8 in [0x00, 0x01, 0x0A, 0x1F] {
                    var bytes = Array(#"{"model":""#.utf8)
                    let stringStart = bytes.count
                    bytes += (0..<max(length, 1)).map { UInt8(0x61 + $0 % 26) }
                    bytes[stringStart + position] = control
                    bytes += Array(#"","timestamp":1}"#.utf8)
                    do {
                        _ = try NativeProfile().decode(bytes)
                        Issue.record("accepted a control byte at \(position) of \(length)")
                    } catch {
                        let what = control == 0 ? "NUL byte" : "unescaped control character"
                        #expect(
                            error.reason == "invalid JSON: \(what) in a string at byte \(stringStart + position + 1)")
                    }
                }
            }
        }
    }

    @Test("an unterminated string is refused at every length")
    func unterminatedStrings() {
        for length in 0...20 {
            let line = #"{"model":""# + String(repeating: "x", count: length)
            #expect(throws: EventDecodingError.self) { try NativeProfile().decode(line) }
        }
    }

    /// 700 distinct long label values cycled through one reader's 256-slot
    /// interner: slots are taken over again and again, and every line must still
    /// get its own value.
    @Test("shared label strings stay each line's own")
    func internedLabelsMatchTheirLines() throws {
        var strings = StringInterner()
        for round in 0..<3 {
            for index in 0..<700 {
                let tenant = "tenant-with-a-long-name-\((index * 7919 + round) % 700)"
                let line = Array(
                    #"{"ts":1795830531,"model":"meta-llama/Llama-3.1-8B-Instruct","tenant":"\#(tenant)"}"#.utf8)
                var event = InferenceEvent(timestamp: .min)
                try line.withUnsafeBufferPointer { try NativeProfile().decode($0, into: &event, strings: &strings) }
                #expect(event.tenant == tenant)
                #expect(event.model == "meta-llama/Llama-3.1-8B-Instruct")
            }
        }
    }

    @Test("member names: each known name, and near misses that are not")
    func keyTableFindsExactlyItsNames() {
        let table = KeyTable([("a", 1), ("model", 2), ("model_version", 3), ("cache_write_tokens", 4), ("ts", 5)])
        func look(_ key: String) -> Int? {
            Array(key.utf8).withUnsafeBufferPointer { table.value(for: $0) }
        }
        #expect(look("a") == 1 && look("model") == 2 && look("model_version") == 3)
        #expect(look("cache_write_tokens") == 4 && look("ts") == 5)
        for miss in ["", "b", "mode", "modem", "model_versio", "model_version_", "Model", "cache_write_tokenz", "t"] {
            #expect(look(miss) == nil, "\(miss)")
        }
        #expect(look(String(repeating: "m", count: 33)) == nil)
        let longest = KeyTable([(StaticString("abcdefghijklmnopqrstuvwxyz012345"), 7)])
        #expect(Array("abcdefghijklmnopqrstuvwxyz012345".utf8).withUnsafeBufferPointer { longest.value(for: $0) } == 7)
        #expect(
            Array("abcdefghijklmnopqrstuvwxyz012346".utf8).withUnsafeBufferPointer { longest.value(for: $0) } == nil)
    }

    @Test("statuses: spellings matched on bytes, and the rest as before")
    func statusSpellings() throws {
        func status(_ json: String) throws -> EventStatus {
            try NativeProfile().decode(#"{"ts":1795830531,"model":"m","status":\#(json)}"#).status
        }
        #expect(try status(#""ok""#) == .ok && status(#""error""#) == .error)
        #expect(try status(#""timeout""#) == .timeout && status(#""canceled""#) == .canceled)
        #expect(try status(#""OK""#) == .ok && status(#""Failed""#) == .error && status(#""timed_out""#) == .timeout)
        #expect(try status(#""o\u006b""#) == .ok)
        #expect(try status("200") == .ok && status("499") == .canceled)
        #expect(throws: EventDecodingError.self) { try status(#""maybe""#) }
    }

    @Test("timestamps: RFC 3339 text in place, epoch numbers and numeric strings")
    func timestamps() throws {
        func time(_ json: String) throws -> Timestamp {
            try NativeProfile().decode(#"{"timestamp":\#(json),"model":"m"}"#).timestamp
        }
        let expected: Timestamp = 1_795_830_531_250
        #expect(try time(#""2026-11-28T01:48:51.25Z""#) == expected)
        #expect(try time(#""2026-11-28T02:48:51.250+01:00""#) == expected)
        #expect(try time(#""2026-11-28T01:48:51.25\u005a""#) == expected)
        #expect(try time("1795830531.25") == expected && time("1795830531250") == expected)
        #expect(try time(#""1795830531.25""#) == expected)
        #expect(throws: EventDecodingError.self) { try time(#""yesterday""#) }
    }
}
