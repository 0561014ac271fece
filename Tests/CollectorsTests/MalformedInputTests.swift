import Collectors
import InfermonCore
import InfermonTesting
import Testing

@Suite("Bad lines become dead letters and ingestion goes on")
struct MalformedInputTests {
    static let good = #"{"timestamp":"2026-11-28T02:00:00Z","request_id":"ok","model":"m","latency_ms":10}"#

    static let cases: [(name: String, bytes: [UInt8], kind: DeadLetter.Kind, reason: String)] = [
        (
            "truncated JSON", Array(#"{"timestamp":"2026-11-28T02:00:00Z","model":"m","late"#.utf8), .invalidJSON,
            "unterminated string"
        ),
        (
            "missing brace", Array(#"{"timestamp":"2026-11-28T02:00:00Z","model":"m""#.utf8), .invalidJSON,
            "expected ',' or '}'"
        ),
        ("not an object", Array("[1,2,3]".utf8), .invalidJSON, "expected an object"),
        (
            "wrong type", Array(#"{"timestamp":"2026-11-28T02:00:00Z","model":"m","prompt_tokens":"many"}"#.utf8),
            .schema, "prompt_tokens must be a number"
        ),
        (
            "fractional count", Array(#"{"timestamp":"2026-11-28T02:00:00Z","model":"m","prompt_tokens":1.5}"#.utf8),
            .schema, "whole number"
        ),
        (
            "negative latency", Array(#"{"timestamp":"2026-11-28T02:00:00Z","model":"m","latency_ms":-3}"#.utf8),
            .schema, "latency must be a non-negative number"
        ),
        ("missing model", Array(#"{"timestamp":"2026-11-28T02:00:00Z"}"#.utf8), .schema, "missing model"),
        ("missing timestamp", Array(#"{"model":"m"}"#.utf8), .schema, "missing timestamp"),
        ("bad timestamp", Array(#"{"timestamp":"yesterday","model":"m"}"#.utf8), .schema, "not an RFC 3339 time"),
        ("bad status", Array(#"{"timestamp":1795830531,"model":"m","status":"meh"}"#.utf8), .schema, "status \"meh\""),
        (
            "invalid UTF-8", Array(#"{"timestamp":1795830531,"model":"m"#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),
            .invalidUTF8, "invalid UTF-8"
        ),
        (
            "NUL in string", Array(#"{"timestamp":1795830531,"model":"m"#.utf8) + [0] + Array(#""}"#.utf8),
            .invalidJSON, "NUL byte"
        ),
        (
            "NUL outside string", Array(#"{"timestamp":1795830531,"model":"m"}"#.utf8) + [0], .invalidJSON,
            "unexpected data"
        ),
        ("trailing garbage", Array(#"{"timestamp":1795830531,"model":"m"} x"#.utf8), .invalidJSON, "unexpected data"),
        (
            "deep nesting",
            Array(("{\"timestamp\":1795830531,\"model\":\"m\",\"x\":" + String(repeating: "[", count: 100)).utf8),
            .invalidJSON, "nesting deeper"
        ),
    ]

    @Test(arguments: 0..<cases.count)
    func eachBadLineIsRecordedWithItsLineAndReason(index: Int) throws {
        let bad = Self.cases[index]
        let directory = try TemporaryDirectory()
        let path = directory.file("app.jsonl")
        try TestFiles.append(Self.good + "\n", to: path)
        try TestFiles.append(bytes: bad.bytes + [0x0A], to: path)
        try TestFiles.append(#"{"timestamp":"2026-11-28T02:00:01Z","request_id":"ok2","model":"m"}"# + "\n", to: path)
        var batches: [IngestBatch] = []
        let totals = try FileImporter.importFile(path: path, source: "test", profile: NativeProfile()) {
            batches.append($0)
        }
        #expect(totals.events == 2, "\(bad.name): the lines around the bad one are ingested")
        #expect(totals.deadLetters == 1)
        let letter = try #require(batches.flatMap(\.deadLetters).first)
        #expect(letter.kind == bad.kind, "\(bad.name)")
        #expect(letter.line == 2)
        #expect(letter.location == path)
        #expect(letter.reason.contains(bad.reason), "\(bad.name): \(letter.reason)")
        #expect(letter.excerpt == Array(bad.bytes.prefix(DeadLetter.excerptLimit)))
    }

    @Test func overLongLinesAreSkippedWithoutBufferingThem() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("big.jsonl")
        let huge = #"{"timestamp":1795830531,"model":"m","prompt":""# + String(repeating: "a", count: 3 << 20) + #""}"#
        try TestFiles.append(Self.good + "\n" + huge + "\n" + Self.good + "\n", to: path)
        var letters: [DeadLetter] = []
        let totals = try FileImporter.importFile(
            path: path, source: "test", profile: NativeProfile(), maxLineBytes: 1 << 20
        ) { letters += $0.deadLetters }
        #expect(totals.events == 2)
        #expect(letters.count == 1)
        #expect(letters.first?.kind == .lineTooLong)
        #expect(letters.first?.line == 2)
        #expect(letters.first?.excerpt.count == DeadLetter.excerptLimit)
        #expect(letters.first?.reason.contains("\(huge.utf8.count) bytes") == true, "\(letters.first?.reason ?? "")")
    }

    @Test func lineJustUnderTheLimitIsAccepted() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("edge.jsonl")
        let prefix = #"{"timestamp":1795830531,"model":"m","prompt":""#
        let line = prefix + String(repeating: "b", count: 1000 - prefix.utf8.count - 2) + #""}"#
        #expect(line.utf8.count == 1000)
        try TestFiles.append(line + "\n" + line + "x\n", to: path)
        var letters: [DeadLetter] = []
        let totals = try FileImporter.importFile(path: path, source: "t", profile: NativeProfile(), maxLineBytes: 1000)
        {
            letters += $0.deadLetters
        }
        #expect(totals.events == 1)
        #expect(letters.map(\.kind) == [.lineTooLong])
    }

    @Test func blankLinesAndCRLFAreTolerated() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("crlf.jsonl")
        try TestFiles.append(Self.good + "\r\n\r\n   \n" + Self.good + "\r\n", to: path)
        let totals = try FileImporter.importFile(path: path, source: "t", profile: NativeProfile()) { _ in }
        #expect(totals.events == 2 && totals.deadLetters == 0 && totals.lines == 4)
    }
}
