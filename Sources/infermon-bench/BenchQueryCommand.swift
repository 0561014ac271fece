import ArgumentParser
import Collectors
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Logging
import Query
import Server
import Store
import TrafficSimulator

extension BenchCommand {
    /// Data for the query benchmark: every label set gets requests in every
    /// interval, so the counters infermon derives and the samples exported to
    /// Prometheus line up one to one.
    struct QueryData: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "query-data",
            abstract: "Write native JSONL for the query benchmark: models × tenants over a time span, every interval.")

        @Option(help: "Models.") var models = 10
        @Option(help: "Tenants.") var tenants = 10
        @Option(help: ArgumentHelp("Span ending now, e.g. 24h.", valueName: "duration")) var span = "24h"
        @Option(help: ArgumentHelp("One round of requests per interval, e.g. 15s.", valueName: "duration"))
        var interval = "15s"
        @Option(help: ArgumentHelp("JSONL output file.", valueName: "path")) var output: String
        @Option(
            help: ArgumentHelp(
                "Span end (Unix seconds); default now, rounded down to the interval.", valueName: "seconds"))
        var end: Int64?

        func run() throws {
            guard let spanMillis = TimeParsing.durationMillis(span), let step = TimeParsing.durationMillis(interval)
            else {
                throw ValidationError("--span and --interval must be durations")
            }
            let now = end.map { $0 * 1000 } ?? SystemWallClock().now()
            let last = now - now % step
            var random = SeededRandom(seed: 11)
            let file = try OutputFile(output)
            var chunk = ""
            var time = last - spanMillis
            while time < last {
                for model in 0..<models {
                    for tenant in 0..<tenants {
                        let requests = 1 + Int(random.next() % 3)
                        for index in 0..<requests {
                            let latency = random.logNormal(median: 0.4 * Double(model + 1), sigma: 0.8)
                            let event = InferenceEvent(
                                timestamp: time + Int64(index) * step / Int64(requests + 1),
                                model: "model-\(model)", route: "/v1/chat/completions", tenant: "tenant-\(tenant)",
                                status: .ok, latency: latency, promptTokens: 500,
                                completionTokens: 100)
                            chunk += NativeEncoder.line(event, timeFormat: .epochMillis)
                            chunk += "\n"
                        }
                    }
                }
                if chunk.utf8.count > 1 << 20 {
                    try file.write(chunk)
                    chunk = ""
                }
                time += step
            }
            try file.write(chunk)
        }
    }

    /// The store's series as OpenMetrics text, for `promtool tsdb create-blocks-from openmetrics`.
    struct ExportOpenMetrics: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export-openmetrics",
            abstract:
                "Export series from the store as OpenMetrics text (for importing the same samples into Prometheus).")

        @Option(
            help: ArgumentHelp(
                "Series selector, e.g. '{__name__=~\"infermon_requests_total\"}'.", valueName: "selector"))
        var match: [String]
        @Option(help: ArgumentHelp("Start (Unix seconds).", valueName: "seconds")) var start: Int64
        @Option(help: ArgumentHelp("End (Unix seconds).", valueName: "seconds")) var end: Int64
        @Option(help: ArgumentHelp("Output file.", valueName: "path")) var output: String
        @Option(
            help: ArgumentHelp("Configuration file (YAML). Without it the built-in defaults apply.", valueName: "file"))
        var config: String?
        @Option(
            help: ArgumentHelp("Database file, overriding the configuration's storage.path.", valueName: "path"))
        var db: String?

        func run() throws {
            var configuration =
                try config.map {
                    try ConfigurationLoader.load(path: $0)
                }
                ?? Configuration()
            if let db { configuration.storage.path = db }
            let database = try Daemon.openStore(for: configuration)
            defer { database.close() }
            let file = try OutputFile(output)
            var samples = 0
            var byFamily: [String: [Series]] = [:]
            for selector in match {
                for series in try database.select(
                    try selectorMatchers(selector), from: start * 1000, through: end * 1000)
                {
                    byFamily[series.labels.name ?? "", default: []].append(series)
                }
            }
            // Families must not interleave; within one, each series is written in time order.
            for family in byFamily.keys.sorted() {
                var chunk = ""
                for series in byFamily[family]! {
                    let name = EventSeriesExposition.exposition(series.labels)
                    for sample in series.samples where !sample.isStaleMarker {
                        chunk += "\(name) \(formatJSONNumber(sample.value)) \(Double(sample.timestamp) / 1000)\n"
                        samples += 1
                    }
                    if chunk.utf8.count > 1 << 20 {
                        try file.write(chunk)
                        chunk = ""
                    }
                }
                try file.write(chunk)
            }
            try file.write("# EOF\n")
            print("\(samples)")
        }
    }
}

/// The matchers of a selector written as `name{a="b"}` or `{__name__=~"…"}`.
func selectorMatchers(_ text: String) throws -> [LabelMatcher] {
    guard case .selector(let vector) = try PromQL.parse(text).unwrapped else {
        throw InfermonError.invalidArgument("\(text) is not a series selector")
    }
    return vector.matchers
}
