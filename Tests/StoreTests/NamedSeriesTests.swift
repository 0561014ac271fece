import InfermonCore
import InfermonTesting
import Logging
import Store
import Testing

@Suite("Named series in compressed chunks")
struct NamedSeriesTests {
    @Test func samplesRoundTripExactlyAcrossChunksAndReopen() async throws {
        let directory = try TemporaryDirectory()
        let clock = ManualClock(now: 1_800_000_000_000)
        var store = try SQLiteStore(path: directory.file("s.db"), clock: clock, logger: Logger(label: "t"))
        let labels = Labels(name: "vllm:num_requests_waiting", ["instance": "gpu-1:8000", "job": "vllm"])
        var random = SeededRandom(seed: 3)
        var expected: [Sample] = []
        var time: Timestamp = 1_799_990_000_000
        for index in 0..<500 {
            time += 15_000 + Int64(random.next() % 3) - 1  // jittered scrape interval
            let value: Double =
                switch index % 4 {
                case 0: Double(index)
                case 1: Double(random.next() % 1000) / 7
                case 2: -0.0
                default: index % 100 == 3 ? .nan : 1e300
                }
            expected.append(Sample(time, value))
        }
        expected.append(Sample(time + 15_000, Sample.staleNaN))
        for slice in stride(from: 0, to: expected.count, by: 37) {
            try await store.append(expected[slice..<min(slice + 37, expected.count)].map { (labels, $0) })
            if slice == 259 {
                store.close()
                store = try SQLiteStore(path: directory.file("s.db"), clock: clock, logger: Logger(label: "t"))
            }
        }
        let read = try store.select([.equal("__name__", "vllm:num_requests_waiting")], from: 0, through: .max)
        #expect(read.count == 1 && read[0].labels == labels)
        #expect(read[0].samples.count == expected.count)
        for (got, want) in zip(read[0].samples, expected) {
            #expect(got.timestamp == want.timestamp)
            #expect(got.value.bitPattern == want.value.bitPattern)
        }
        let stats = try store.stats()
        #expect(stats.storedSamples == Int64(expected.count))
        #expect(stats.chunks >= Int64(expected.count / 120))
    }

    @Test func outOfOrderSamplesAreRefused() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.file("s.db"), logger: Logger(label: "t"))
        let labels = Labels(name: "x")
        try await store.append([
            (labels, Sample(2000, 2)), (labels, Sample(1000, 1)), (labels, Sample(2000, 3)), (labels, Sample(3000, 4)),
        ])
        let read = try store.select([.equal("__name__", "x")], from: 0, through: 10_000)
        #expect(read[0].samples == [Sample(2000, 2), Sample(3000, 4)])
    }

    @Test func rangeSelectionTrimsToTheWindow() async throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStore(path: directory.file("s.db"), logger: Logger(label: "t"))
        let labels = Labels(name: "y", ["a": "1"])
        try await store.append((1...300).map { (labels, Sample(Int64($0) * 1000, Double($0))) })
        let read = try store.select([.equal("a", "1")], from: 100_500, through: 130_000)
        #expect(read[0].samples.map(\.value) == (101...130).map(Double.init))
        #expect(try store.select([.equal("a", "2")], from: 0, through: .max).isEmpty)
    }
}
