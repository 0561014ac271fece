import ArgumentParser
import Collectors
import Foundation
import InfermonCore
import Logging
import Store

/// `infermon-bench store-memory`: what N active label sets cost the store in
/// memory. Events for `--label-sets` label sets (uniformly, so every one is
/// active in every rollup interval) go into a new store in one-second batches of
/// simulated time, as fast as the store takes them; once a simulated minute the
/// process's RSS and the writer's open rollup state (counted structurally) are
/// printed. Run one process per N: the heap's high-water mark of a larger N would
/// hide a smaller one.
struct BenchStoreMemory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-memory",
        abstract: "Steady-state RSS and open rollup state per active label set, pushed at a fixed simulated rate.")

    @Option(help: "Active label sets (model × tenant).") var labelSets = 1000
    @Option(help: "Events per simulated second.") var rate = 2000
    @Option(help: "Simulated minutes.") var minutes = 6
    @Option(help: "Random seed.") var seed: UInt64 = 7
    @Option(
        help: ArgumentHelp("Write the same events as native JSONL here instead of storing them.", valueName: "path"))
    var jsonl: String?
    @Flag(help: "Print one JSON object (the last minute's figures) instead of text.") var json = false

    func run() throws {
        let now = SystemWallClock().now()
        // Stamped relative to now (the last event a minute ago), so nothing is past the retention.
        let start = (now - Int64(minutes + 1) * 60_000) / 60_000 * 60_000
        let models = ["gpt-4o-mini", "gpt-4.1", "claude-sonnet-4", "gemini-2.5-flash", "llama-3.1-70b"]
        var random = SeededRandom(seed: seed)
        let output = try jsonl.map { try OutputFile($0) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "infermon-store-memory-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store =
            output == nil
            ? try SQLiteStore(path: directory.appendingPathComponent("bench.db").path, logger: Logger(label: "bench"))
            : nil
        let baseline = MemoryReading.now()
        if !json {
            print(
                "\(labelSets) label sets, \(rate) events/s, \(minutes) simulated minutes; RSS before any event "
                    + "\(mebibytes(baseline.rss)) MiB (anonymous \(mebibytes(baseline.anonymous)) MiB)")
            print("minute  RSS MiB  anon MiB  open label sets  open state KiB  B per label set (open state)")
        }
        var last = (reading: baseline, labelSets: 0, bytes: 0)
        let started = monotonicNanoseconds()
        for second in 0..<(minutes * 60) {
            var events: [InferenceEvent] = []
            events.reserveCapacity(rate)
            for index in 0..<rate {
                let set = Int(random.next() % UInt64(labelSets))
                let latency = random.logNormal(median: 0.8, sigma: 0.7)
                let streamed = random.chance(0.6)
                events.append(
                    InferenceEvent(
                        timestamp: start + Int64(second) * 1000 + Int64(index * 1000 / rate),
                        model: models[set % models.count], route: "/v1/chat/completions",
                        tenant: "tenant-\(set / models.count)", latency: latency,
                        timeToFirstToken: streamed ? latency * random.unit() * 0.3 : nil,
                        promptTokens: Int(random.logNormal(median: 900, sigma: 1.0)),
                        completionTokens: Int(random.logNormal(median: 180, sigma: 0.8)) + 1,
                        cost: random.unit() * 0.002, finishReason: "stop", streamed: streamed))
            }
            if let output {
                try output.write(events.map { NativeEncoder.line($0) + "\n" }.joined())
                continue
            }
            try store?.writeSynchronously(IngestBatch(events: events), source: "bench")
            if second % 60 == 59, let store {
                let footprint = store.openRollupFootprint()
                last = (MemoryReading.now(), footprint.labelSets, footprint.bytes)
                if !json {
                    print(
                        pad("\(second / 60 + 1)", 6) + pad(mebibytes(last.reading.rss), 9)
                            + pad(mebibytes(last.reading.anonymous), 10) + pad("\(footprint.labelSets)", 17)
                            + pad("\(footprint.bytes / 1024)", 16)
                            + pad("\(footprint.bytes / max(1, footprint.labelSets))", 30))
                }
            }
        }
        guard let store else { return }
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        store.close()
        let perLabelSet = Double(last.reading.rss - baseline.rss) / Double(labelSets)
        let structural = Double(last.bytes) / Double(max(1, last.labelSets))
        if json {
            print(
                "{\"label_sets\":\(labelSets),\"rate\":\(rate),\"minutes\":\(minutes),\"rss_before\":\(baseline.rss),\"rss\":\(last.reading.rss),\"anonymous\":\(last.reading.anonymous),\"rss_per_label_set\":\(Int(perLabelSet)),\"open_state_per_label_set\":\(Int(structural)),\"seconds\":\(seconds)}"
            )
        } else {
            print(
                "steady state: RSS \(mebibytes(last.reading.rss)) MiB, \(Int(perLabelSet)) B per label set over the "
                    + "empty store; open rollup state \(Int(structural)) B per label set; "
                    + "\(formatFixed(Double(minutes * 60 * rate) / seconds, 0)) events/s")
        }
    }

    private func mebibytes(_ bytes: Int) -> String { formatFixed(Double(bytes) / 1_048_576, 1) }

    private func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}

/// The process's resident and anonymous (heap) memory, from /proc/self/status.
struct MemoryReading {
    var rss = 0
    var anonymous = 0

    static func now() -> MemoryReading {
        var reading = MemoryReading()
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return reading }
        for line in status.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 2, let kib = Int(fields[1]) else { continue }
            if fields[0] == "VmRSS:" { reading.rss = kib * 1024 }
            if fields[0] == "RssAnon:" { reading.anonymous = kib * 1024 }
        }
        return reading
    }
}
