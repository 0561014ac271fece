import ArgumentParser
import Collectors
import InfermonCore
import Logging
import Store
import TrafficSimulator

#if canImport(Glibc)
    import Glibc
#endif

/// The benchmarks, an executable of their own so the production `infermon` ships none.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infermon-bench",
        abstract: "Measure infermon's hot paths (run a release build; see Benchmarks/).",
        subcommands: [
            Generate.self, Ingest.self, QueryData.self, ExportOpenMetrics.self, BenchDrift.self,
            BenchGroundednessCommand.self, BenchScannersCommand.self, BenchSketches.self, BenchStages.self,
            BenchOTLP.self, BenchExposition.self, BenchDashCommand.self, BenchAlertQuality.self, BenchChangePoint.self,
            BenchPPI.self, BenchCanary.self,
            BenchRemoteWrite.self, BenchStoreMemory.self,
        ]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write synthetic events as native JSONL (and optionally the same rows as CSV).")

        @Option(help: "Number of events.") var events = 1_000_000
        @Flag(help: "Include prompt, response and context text.") var text = false
        @Option(help: ArgumentHelp("JSONL output file.", valueName: "path")) var output: String
        @Option(help: ArgumentHelp("Also write the rows as CSV, for the sqlite3 reference import.", valueName: "path"))
        var csv: String?
        @Option(help: "Random seed.") var seed: UInt64 = 7

        func run() throws {
            let start: Timestamp = 1_790_000_000_000
            var generator = TrafficGenerator(dayStart: start, baseRate: 100, includeText: text, seed: seed)
            let jsonl = try OutputFile(output)
            let table = try csv.map { try OutputFile($0) }
            try table?.write(CSVRow.header + "\n")
            var time = start
            var jsonChunk = ""
            var csvChunk = ""
            for index in 0..<events {
                time = generator.nextArrival(after: time)
                var event = generator.event(at: time)
                event.features = [:]
                jsonChunk += NativeEncoder.line(event)
                jsonChunk += "\n"
                if table != nil { csvChunk += CSVRow.line(event) + "\n" }
                if index % 4096 == 4095 {
                    try jsonl.write(jsonChunk)
                    try table?.write(csvChunk)
                    jsonChunk = ""
                    csvChunk = ""
                }
            }
            try jsonl.write(jsonChunk)
            try table?.write(csvChunk)
        }
    }

    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ingest a JSONL file into a new store on one thread; print events/s, MB/s and peak RSS.")

        @Option(help: ArgumentHelp("JSONL file (from `infermon-bench generate`).", valueName: "path")) var file: String
        @Option(help: ArgumentHelp("Database to create (deleted first).", valueName: "path")) var db: String
        @Option(help: ArgumentHelp("Events per store transaction, as a source's `batch_events`.", valueName: "n"))
        var batchEvents = FileSourceOptions.defaultBatchEvents
        @Flag(help: "Read and decode the file but store nothing, to split decoding from storing.")
        var decodeOnly = false
        @Flag(help: "Print one JSON object instead of text.") var json = false
        @Option(help: ArgumentHelp("The lines' profile: \(ProfileKind.names).", valueName: "name"))
        var profile = "native"

        func run() throws {
            guard let kind = ProfileKind(rawValue: profile) else {
                throw ValidationError("unknown profile \(profile); one of \(ProfileKind.names)")
            }
            for suffix in ["", "-wal", "-shm"] { unlink(db + suffix) }
            let store = try SQLiteStore(path: db, logger: Logger(label: "bench"))
            let started = monotonicNanoseconds()
            let cpuStarted = cpuSeconds()
            let totals = try FileImporter.importFile(
                path: file, source: "bench", profile: kind.makeProfile(), batchEvents: batchEvents
            ) {
                if !decodeOnly { try store.writeSynchronously($0) }
            }
            // Closing checkpoints the write-ahead log into the database file; that
            // work is part of storing the events, so the clock runs through it.
            store.close()
            let seconds = Double(monotonicNanoseconds() - started) / 1e9
            let cpu = cpuSeconds() - cpuStarted
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let peakMiB = Double(usage.ru_maxrss) / 1024
            let eventsPerSecond = Double(totals.events) / seconds
            let megabytesPerSecond = Double(totals.bytes) / seconds / 1_000_000
            if json {
                print(
                    "{\"events\":\(totals.events),\"rejected\":\(totals.deadLetters),\"bytes\":\(totals.bytes),\"seconds\":\(seconds),\"cpu_seconds\":\(cpu),\"events_per_second\":\(eventsPerSecond),\"mb_per_second\":\(megabytesPerSecond),\"peak_rss_mib\":\(peakMiB),\"db_bytes\":\(fileSizeBytes(db))}"
                )
            } else {
                print("events: \(totals.events) (\(totals.deadLetters) rejected), \(totals.bytes) bytes")
                print("time:   \(seconds) s wall, \(cpu) s CPU")
                print("rate:   \(Int(eventsPerSecond)) events/s, \(megabytesPerSecond) MB/s")
                print("peak RSS: \(peakMiB) MiB")
            }
        }
    }
}

/// CPU time of this process (user + system), in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Writes to a new file, each call written out in full.
final class OutputFile {
    let descriptor: Int32
    init(_ path: String) throws {
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw InfermonError.io("cannot create \(path): \(String(cString: strerror(errno)))")
        }
    }
    deinit { close(descriptor) }
    func write(_ text: String) throws {
        try Array(text.utf8).withUnsafeBytes { try write($0) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            guard written > 0 else { throw InfermonError.io("write failed: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }
}

/// The events table's columns as CSV, for the sqlite3 shell's `.import`.
enum CSVRow {
    static let header =
        "ts,model,model_version,route,tenant,status,request_id,error_type,latency,ttft,prompt_tokens,completion_tokens,cached_tokens,reasoning_tokens,cost,finish_reason,streamed,prompt,response,context"

    static func line(_ event: InferenceEvent) -> String {
        func field(_ value: String?) -> String {
            guard let value else { return "" }
            if value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) {
                return "\"" + value.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"")
                    + "\""
            }
            return value
        }
        let parts: [String?] = [
            String(event.timestamp), event.model, event.modelVersion, event.route, event.tenant, event.status.rawValue,
            event.requestID, event.errorType, event.latency.map { "\($0)" }, event.timeToFirstToken.map { "\($0)" },
            event.promptTokens.map(String.init), event.completionTokens.map(String.init),
            event.cachedTokens.map(String.init), event.reasoningTokens.map(String.init), event.cost.map { "\($0)" },
            event.finishReason, event.streamed.map { $0 ? "1" : "0" }, event.prompt, event.response, event.context,
        ]
        return parts.map(field).joined(separator: ",")
    }
}
