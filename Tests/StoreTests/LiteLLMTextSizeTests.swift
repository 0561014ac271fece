import Foundation
import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

/// Issue 23's goal for text on disk: LiteLLM standard-logging lines with their
/// bodies stored in at most 0.3× the lines' bytes. `Benchmarks/litellm-disk.sh`
/// measures it on lines shaped on real ones (README, Storage); this pins it
/// loosely on lines made here.
@Suite("LiteLLM text size")
struct LiteLLMTextSizeTests {
    static let now: Timestamp = 1_800_000_000_000

    /// A vocabulary of 3,000 made-up words and 4,000 sentences of them: chat text
    /// that repeats phrases, as a gateway's traffic does, but not whole messages.
    struct Corpus {
        var sentences: [String] = []
        var random: SeededRandom

        init(seed: UInt64) {
            var random = SeededRandom(seed: seed)
            let words = (0..<3_000).map { _ in
                String(
                    (0..<(2 + Int(random.next() % 9))).map { _ in
                        Character(UnicodeScalar(97 + UInt8(random.next() % 26)))
                    })
            }
            sentences = (0..<4_000).map { _ in
                (0..<(5 + Int(random.next() % 20))).map { _ in words[Int(random.next() % 3_000)] }.joined(
                    separator: " ") + "."
            }
            self.random = random
        }

        mutating func text(_ low: Int, _ high: Int) -> String {
            let size = low + Int(random.next() % UInt64(high - low))
            var out = ""
            while out.utf8.count < size { out += sentences[Int(random.next() % UInt64(sentences.count))] + " " }
            return out
        }
    }

    static func uuid(_ random: inout SeededRandom) -> String {
        let hex = String(random.next(), radix: 16) + String(random.next(), radix: 16)
        return String(hex.prefix(32))
    }

    /// One line's event and the line's length: attributes as LiteLLM's (metadata
    /// mostly null, the model's ~9 KB `model_map_information`, ids and spend that vary).
    static func line(_ index: Int, corpus: inout Corpus, systems: [String], modelMaps: [String]) -> (
        InferenceEvent, Int
    ) {
        let model = index % 3
        let call = uuid(&corpus.random)
        let metadata = (0..<40).map {
            "\"user_api_key_field_\($0)\":\($0 % 4 == 0 ? "\"team-\(corpus.random.next() % 9)\"" : "null")"
        }
        let attributes =
            "{\"litellm_call_id\":\"\(call)\",\"trace_id\":\"\(uuid(&corpus.random))\",\"cache_hit\":false,\"response_time\":\(corpus.random.unit()),"
            + "\"metadata\":{\(metadata.joined(separator: ","))},\"usage_object\":{\"completion_tokens\":\(corpus.random.next() % 900),"
            + "\"prompt_tokens\":\(corpus.random.next() % 4000)},\"model_map_information\":\(modelMaps[model])}"
        let system = systems[Int(corpus.random.next() % UInt64(systems.count))]
        let user = corpus.text(200, 3_000)
        let answer = corpus.text(100, 2_000)
        let prompt = system + "\n" + user
        let line =
            "{\"id\":\"chatcmpl-\(call)\",\"model\":\"model-\(model)\",\"messages\":[{\"role\":\"system\",\"content\":\"\(system)\"},"
            + "{\"role\":\"user\",\"content\":\"\(user)\"}],\"response\":{\"choices\":[{\"message\":{\"content\":\"\(answer)\"}}]},"
            + attributes.dropFirst() + "\n"
        let event = InferenceEvent(
            timestamp: now + Int64(index) * 50, requestID: "chatcmpl-\(call)", model: "model-\(model)", latency: 0.4,
            prompt: prompt, response: answer, attributes: attributes)
        return (event, line.utf8.count)
    }

    @Test func thousandLinesTakeLessThanAThirdOfTheirBytes() throws {
        var corpus = Corpus(seed: 41)
        let systems = (0..<6).map { _ in corpus.text(300, 2_000) }
        let modelMaps = (0..<3).map { model in
            "{"
                + (0..<450).map { "\"m\(model)_key_\($0)\":\($0 % 3 == 0 ? "null" : "\($0 * 17 + model)")" }.joined(
                    separator: ",")
                + "}"
        }
        let lines = (0..<1_000).map { Self.line($0, corpus: &corpus, systems: systems, modelMaps: modelMaps) }
        let lineBytes = lines.reduce(0) { $0 + $1.1 }

        let directory = try TemporaryDirectory()
        let path = directory.file("litellm.db")
        let store = try SQLiteStore(
            path: path, clock: ManualClock(now: Self.now + 3_600_000), logger: Logger(label: "t"))
        for start in stride(from: 0, to: lines.count, by: 100) {
            var batch = IngestBatch(events: lines[start..<(start + 100)].map(\.0))
            batch.source = "litellm"
            try store.writeSynchronously(batch)
        }
        store.close()
        let fileBytes = try #require(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        let ratio = Double(fileBytes) / Double(lineBytes)
        #expect(ratio < 0.35, "\(fileBytes / 1_000) B stored per line of \(lineBytes / 1_000) B: \(ratio)")
    }
}
