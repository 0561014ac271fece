import ArgumentParser
import Collectors
import InfermonConfig
import InfermonCore
import InfermonDaemon
import LLMOps
import Logging
import TrafficSimulator

/// `infermon bench stages`: what the LLMOps ingest stages add to every event.
/// Demo traffic with its reported costs removed (so every event is looked up in
/// the price table) goes through pricing and the counter stage in batches, as
/// a collector's batches would, without a store.
struct BenchStages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stages",
        abstract: "Per-event cost of the pricing and counter ingest stages on generated traffic.")

    @Option(help: "Number of events.") var events = 1_000_000
    @Option(help: "Events per batch.") var batch = 10_000
    @Option(help: ArgumentHelp("Configuration with the SLOs to count.", valueName: "file"))
    var config = "deploy/infermon.example.yaml"
    @Option(help: ArgumentHelp("Price table.", valueName: "file")) var pricing = "rules/pricing.yaml"

    func run() async throws {
        let configuration = try ConfigurationLoader.load(path: config)
        let table = try PriceTable.load(path: pricing)
        let slos = configuration.slos
        var generator = TrafficGenerator(dayStart: 1_790_000_000_000, baseRate: 100, seed: 11)
        var time: Timestamp = 1_790_000_000_000
        var batches: [IngestBatch] = []
        var pending: [InferenceEvent] = []
        for _ in 0..<events {
            time = generator.nextArrival(after: time)
            var event = generator.event(at: time)
            event.cost = nil
            pending.append(event)
            if pending.count == batch {
                batches.append(IngestBatch(events: pending))
                pending.removeAll(keepingCapacity: true)
            }
        }
        if !pending.isEmpty { batches.append(IngestBatch(events: pending)) }
        let stages: [any IngestStage] = [PricingStage(table: table), LLMCounterStage(slos: slos)]
        var samples = 0
        var priced = 0
        let start = monotonicNanoseconds()
        for var one in batches {
            for stage in stages { try await stage.process(&one) }
            samples += one.samples.count
            priced += one.events.reduce(0) { $0 + ($1.cost == nil ? 0 : 1) }
        }
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        print("\(events) events in batches of \(batch), \(table.entries.count) price rows, \(slos.count) SLOs")
        print("  priced \(priced), unpriced \(events - priced); \(samples) counter samples added to the batches")
        print(
            "  \(formatFixed(seconds, 3)) s: \(formatFixed(seconds * 1e9 / Double(events), 0)) ns per event, "
                + "\(formatFixed(Double(events) / seconds / 1e6, 2)) M events/s on one core")
    }
}
