import ArgumentParser
import InfermonCore
import RemoteWrite

/// `infermon-bench remote-write`: the sender's CPU-bound part, in samples per
/// second and compressed bytes per sample: requests shaped as infermon queues
/// them (a label set's request, latency-bucket, token and cost series, one
/// sample each per rollup interval) encoded as a `WriteRequest` and snappy-
/// compressed, then decoded back to check them. The end-to-end figures
/// (against Prometheus's own remote write, through a real receiver, and the
/// daemon's added CPU) come from Benchmarks/remote-write.sh.
struct BenchRemoteWrite: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote-write", abstract: "Measure remote write request encoding and snappy compression.")

    @Option(help: "Label sets (model × tenant × route).") var keys = 400
    @Option(help: "Rollup intervals per request (samples per series per request).") var intervals = 1
    @Option(help: "Samples per request, as max_samples_per_send.") var batch = 2000
    @Option(help: "Requests encoded.") var rounds = 2000

    func run() throws {
        let series = Self.series(keys: keys, intervals: intervals)
        let samples = series.flatMap(\.samples)
        guard !samples.isEmpty else { throw ValidationError("no samples") }
        // Cut as the queue does: whole series until the batch is full.
        var requests: [[Series]] = [[]]
        var count = 0
        for entry in series {
            if count + entry.samples.count > batch, !requests[requests.count - 1].isEmpty {
                requests.append([])
                count = 0
            }
            requests[requests.count - 1].append(entry)
            count += entry.samples.count
        }
        var bytes = 0
        var encodedSamples = 0
        let start = monotonicNanoseconds()
        for round in 0..<rounds {
            let request = requests[round % requests.count]
            let body = Snappy.compress(WriteRequestEncoder.encode(request))
            bytes += body.count
            encodedSamples += request.reduce(0) { $0 + $1.samples.count }
        }
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        let check = try WriteRequestDecoder.decode(
            Snappy.decompress(Snappy.compress(WriteRequestEncoder.encode(series))))
        guard check.count == series.count else { throw ValidationError("the round trip lost series") }
        print(
            "\(series.count) series, \(requests.count) requests of ≤\(batch) samples; \(rounds) requests in "
                + "\(formatFixed(seconds, 3)) s = \(Int(Double(encodedSamples) / seconds)) samples/s encoded and "
                + "compressed, \(formatFixed(Double(bytes) / Double(encodedSamples), 2)) bytes/sample on the wire")
    }

    /// The series one rollup interval of `keys` label sets produces.
    static func series(keys: Int, intervals: Int) -> [Series] {
        let start: Timestamp = 1_790_000_000_000
        var random = SeededRandom(seed: 11)
        var result: [Series] = []
        for key in 0..<keys {
            let base = [
                "model": "model-\(key % 8)", "tenant": "tenant-\(key / 8 % 25)", "route": "/v1/route-\(key / 200)",
                "status": "ok",
            ]
            var families: [Labels] = [Labels(name: EventMetrics.requestsTotal, base)]
            for bound in EventMetrics.durationBuckets.map({ formatJSONNumber($0) }) + ["+Inf"] {
                families.append(
                    Labels(name: EventMetrics.requestDuration + "_bucket", base.merging(["le": bound]) { $1 }))
            }
            families.append(Labels(name: EventMetrics.requestDuration + "_sum", base))
            families.append(Labels(name: EventMetrics.requestDuration + "_count", base))
            for type in EventMetrics.TokenType.allCases {
                families.append(Labels(name: EventMetrics.tokensTotal, base.merging(["type": type.rawValue]) { $1 }))
            }
            families.append(Labels(name: EventMetrics.costTotal, base))
            for labels in families {
                var value = Double(Int.random(in: 0...100_000, using: &random))
                let samples = (0..<intervals).map { index -> Sample in
                    value += Double(Int.random(in: 0...50, using: &random))
                    return Sample(start + Int64(index) * 60_000, value)
                }
                result.append(Series(labels: labels, samples: samples))
            }
        }
        return result
    }
}
