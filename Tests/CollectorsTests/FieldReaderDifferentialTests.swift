import InfermonCore
import InfermonTesting
import Testing

@testable import Collectors

/// The OpenAI and LiteLLM profiles read a line in one pass over its bytes
/// (`FieldReader`); before, they parsed the whole tree (`DocumentReader`). Every
/// line here must give exactly what the tree-based profiles kept in
/// `TreeReaderProfiles.swift` give: the same event field for field (texts and
/// attributes byte for byte), or the same rejection with the same reason.
@Suite("One-pass field reading decodes as the tree did")
struct FieldReaderDifferentialTests {
    static let pairs: [(any EventProfile, any EventProfile)] = [
        (OpenAIProfile(), TreeOpenAIProfile()), (LiteLLMProfile(), TreeLiteLLMProfile()),
    ]

    static func realLines() throws -> [String] {
        var lines: [String] = []
        for file in ["openai-gateway.jsonl", "litellm-standard-logging.jsonl", "otel-genai.jsonl"] {
            lines += try ProfileTests.lines(file)
        }
        let shared = "/work/shared/samples/litellm-standard-logging.jsonl"
        if let bytes = try? TestFiles.read(shared) {
            lines += String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        return lines
    }

    /// Both profiles of a pair on one line; a message naming the line when they differ.
    static func mismatch(_ line: [UInt8]) -> String? {
        for (fast, tree) in pairs {
            let expected = Result { () throws(EventDecodingError) in try tree.decode(line) }
            let got = Result { () throws(EventDecodingError) in try fast.decode(line) }
            switch (expected, got) {
            case (.success(let a), .success(let b)) where a == b: continue
            case (.failure(let a), .failure(let b)) where a.reason == b.reason && a.kind == b.kind: continue
            default:
                return "\(fast.name): tree \(expected), one pass \(got)\nline: \(String(decoding: line, as: UTF8.self))"
            }
        }
        return nil
    }

    @Test func realLinesAsTheyAre() throws {
        let lines = try Self.realLines()
        #expect(lines.count >= 9)
        var accepted = 0
        for line in lines {
            #expect(Self.mismatch(Array(line.utf8)) == nil)
            if (try? OpenAIProfile().decode(line)) != nil || (try? LiteLLMProfile().decode(line)) != nil {
                accepted += 1
            }
        }
        // The fixtures are real events, not rejections: the comparison covers decoding, not only refusing.
        #expect(accepted >= 6)
    }

    @Test("real lines rewritten: members dropped, replaced, repeated, reordered; escapes, numbers, whitespace")
    func rewrittenLines() throws {
        var maker = LineMaker(seed: 23)
        let trees = try Self.realLines().map { try $0.utf8.withContiguousStorageIfAvailable(DocumentReader.parse)! }
        var failures = 0
        var accepted = 0
        for round in 0..<3000 {
            let text = maker.write(trees[round % trees.count], depth: 0)
            let line = Array(text.utf8)
            if let message = Self.mismatch(line) {
                failures += 1
                if failures <= 5 { Issue.record("\(message)") }
            }
            if (try? OpenAIProfile().decode(line)) != nil || (try? LiteLLMProfile().decode(line)) != nil {
                accepted += 1
            }
        }
        #expect(failures == 0)
        #expect(accepted > 1000)
    }

    @Test("random documents over the profiles' member names, and broken bytes")
    func randomDocumentsAndBrokenBytes() {
        var maker = LineMaker(seed: 7)
        var failures = 0
        for round in 0..<6000 {
            var line = Array(maker.randomObject(depth: 0).utf8)
            if round % 3 == 0 { maker.breakBytes(&line) }
            if let message = Self.mismatch(line) {
                failures += 1
                if failures <= 5 { Issue.record("\(message)") }
            }
        }
        #expect(failures == 0)
    }

    @Test(arguments: [
        // Not an object, empty, and trailing data.
        "", "  ", "[]", "\"x\"", "12", "null", "{}", "{} x", "{\"model\":\"m\"}}", "{\"a\":1,}",
        // Escapes: in names (a wanted one too), in skipped and in read values; bad ones anywhere.
        #"{"mod\u0065l":"gpt","startTime":1,"endTime":2,"timestamp":1795770843}"#,
        #"{"model":"m","endTime":1795770843,"x":"\ud83d\ude00\n\t\"\\\/\u00e9"}"#,
        #"{"model":"m","endTime":1795770843,"x":"\q"}"#,
        #"{"model":"m","endTime":1795770843,"x":{"y":"\ud83d"}}"#,
        #"{"model":"m","endTime":1795770843,"response":{"junk":"\u12"}}"#,
        #"{"model":"m","endTime":1795770843,"response":{"junk":"\u0000"}}"#,
        #"{"model":"m","endTime":1795770843,"x\u0001":1,"\n":2}"#,
        #"{"model":"m","endTime":1795770843,"messages":[{"content":"a\u0000b"}]}"#,
        // Duplicates: the first is read, every copy of a read member leaves the attributes.
        #"{"model":"a","model":"b","endTime":1795770843,"x":1,"x":2,"status":"success","status":"nope"}"#,
        #"{"request":{"model":"a"},"request":{"model":"b"},"ts":1795770843,"response":1,"response":{"model":"c"}}"#,
        #"{"model":"m","endTime":1795770843,"response":{"choices":[{"finish_reason":"stop"},{"finish_reason":"x"}]}}"#,
        #"{"model":"m","endTime":1795770843,"response":{"choices":{"0":{"finish_reason":"length"}}}}"#,
        // Numbers in every form, read and carried.
        #"{"model":"m","endTime":1.795770843e9,"prompt_tokens":1E+2,"completion_tokens":-0,"x":[-0,0.1,1e400]}"#,
        #"{"model":"m","endTime":1795770843,"x":[-1e400,123456789012345678901,1e-7,5E0,-0.0,1234567890123456]}"#,
        #"{"model":"m","endTime":1795770843,"prompt_tokens":1.5}"#,
        #"{"model":"m","endTime":1795770843,"prompt_tokens":01}"#,
        #"{"model":"m","endTime":1795770843,"response_cost":"0.5","startTime":"x"}"#,
        #"{"timestamp":"2026-11-27T09:14:03.512Z","request":{"model":"m"},"status_code":9e50}"#,
        #"{"timestamp":"2026-11-27T09:14:03.512Z","request":{"model":"m"},"status_code":"504"}"#,
        #"{"timestamp":"2026-11-27T09:14:03.51\u0032Z","request":{"model":"m"},"latency_ms":-1}"#,
        #"{"ts":"yesterday","request":{"model":"m"}}"#, #"{"ts":[1],"model":"m"}"#, #"{"ts":1795770843,"model":{}}"#,
        // Whitespace everywhere.
        " \t{ \"model\" :\n\"m\" , \"endTime\"\r: 1795770843 ,\"x\" : [ 1 , { } , [ ] ] } \n",
        // Texts in every shape the rule knows.
        #"{"model":"m","endTime":1795770843,"messages":[{"text":"t","content":null},{"parts":["p",{"text":"q"}]},"s",7,""]}"#,
        #"{"timestamp":1795770843,"request":{"model":"m","input":"hi","messages":null},"context":[{"text":"a"},{"content":["b","c"]}]}"#,
        #"{"timestamp":1795770843,"request":{"model":"m","messages":5,"input":"lost"},"feedback":"up"}"#,
        #"{"timestamp":1795770843,"request":{"model":"m"},"feedback":{"x":1}}"#,
    ])
    func nastyLines(line: String) {
        #expect(Self.mismatch(Array(line.utf8)) == nil)
    }

    @Test("nesting at, under and over the limit, in read and in skipped members", arguments: [62, 63, 64, 65])
    func deepNesting(depth: Int) {
        let nested = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let object = String(repeating: #"{"content":"#, count: depth) + "\"x\"" + String(repeating: "}", count: depth)
        for line in [
            #"{"model":"m","endTime":1795770843,"x":\#(nested)}"#,
            #"{"model":"m","endTime":1795770843,"messages":\#(object)}"#,
            #"{"model":"m","endTime":1795770843,"response":{"choices":[{"message":\#(object)}]}}"#,
        ] {
            #expect(Self.mismatch(Array(line.utf8)) == nil)
        }
    }
}
