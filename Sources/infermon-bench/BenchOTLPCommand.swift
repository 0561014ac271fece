import ArgumentParser
import Collectors
import InfermonCore
import Scrape

#if canImport(Glibc)
    import Glibc
#endif

/// `infermon bench otlp`: OTLP trace bodies decoded and mapped to events, in
/// spans per second, for both encodings. A protobuf body repeated N times is
/// one request with N times the spans (protobuf merges repeated fields), and a
/// JSON body's `resourceSpans` list is repeated, so real captured bodies scale.
struct BenchOTLP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "otlp", abstract: "Measure OTLP/HTTP trace decoding (protobuf and JSON) into events.")

    @Option(help: ArgumentHelp("A protobuf ExportTraceServiceRequest.", valueName: "path")) var protobuf: String
    @Option(help: ArgumentHelp("The same kind of request in OTLP JSON.", valueName: "path")) var json: String
    @Option(help: "Copies of each body in one request.") var copies = 200
    @Option(help: "Requests decoded per encoding.") var rounds = 50
    @Option(help: ArgumentHelp("Also write the protobuf request measured, for a peer decoder.", valueName: "path"))
    var writeProtobuf: String?

    func run() throws {
        let protobufBody = try readFileBytes(protobuf)
        let request = [[UInt8]](repeating: protobufBody, count: copies).flatMap { $0 }
        if let writeProtobuf {
            let file = try OutputFile(writeProtobuf)
            try ByteWriter.write(request, to: file.descriptor)
        }
        try measure("protobuf", request, contentType: "application/x-protobuf")
        try measure("json", try repeatedJSON(readFileBytes(json)), contentType: "application/json")
    }

    private func measure(_ name: String, _ body: [UInt8], contentType: String) throws {
        let first = try OTLPTraceDecoder.decode(body: body, contentType: contentType)
        let spans = first.events.count + first.rejected.count + first.ignoredSpans
        let start = monotonicNanoseconds()
        let cpuStart = processCPUNanoseconds()
        var events = 0
        for _ in 0..<rounds { events += try OTLPTraceDecoder.decode(body: body, contentType: contentType).events.count }
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        let cpuSeconds = Double(processCPUNanoseconds() - cpuStart) / 1e9
        let perSecond = Double(spans * rounds) / seconds
        print(
            "\(name): \(body.count) bytes, \(spans) spans (\(first.events.count) events) per request; "
                + "\(rounds) requests in \(formatFixed(seconds, 3)) s = \(Int(perSecond)) spans/s, "
                + "\(formatFixed(Double(body.count * rounds) / seconds / 1e6, 1)) MB/s; "
                + "\(Int(Double(spans * rounds) / cpuSeconds)) spans per CPU second")
        guard events == first.events.count * rounds else { throw ValidationError("decoding is not deterministic") }
    }

    /// `{"resourceSpans":[A,B]}` becomes `{"resourceSpans":[A,B,A,B,…]}`.
    private func repeatedJSON(_ bytes: [UInt8]) throws -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let key = text.firstRange(of: "\"resourceSpans\""),
            let open = text[key.upperBound...].firstIndex(of: "["),
            let close = text.lastIndex(of: "]")
        else { throw ValidationError("\(json) has no resourceSpans list") }
        let inner = text[text.index(after: open)..<close]
        return Array(
            (#"{"resourceSpans":["# + [String](repeating: String(inner), count: copies).joined(separator: ",") + "]}")
                .utf8)
    }
}

/// `infermon bench exposition`: a Prometheus text page parsed, in samples per second.
struct BenchExposition: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exposition", abstract: "Measure Prometheus text-format parsing of a metrics page.")

    @Option(help: ArgumentHelp("A metrics page, such as a vLLM /metrics.", valueName: "path")) var page: String
    @Option(help: "Copies of the page's families, renamed apart, in one body.") var copies = 50
    @Option(help: "Bodies parsed.") var rounds = 50
    @Option(help: ArgumentHelp("Also write the body measured, for a peer parser.", valueName: "path"))
    var writeBody: String?

    func run() throws {
        let text = String(decoding: try readFileBytes(page), as: UTF8.self)
        // Distinct series per copy (a `copy` label), as a page from a bigger server would have.
        var body = ""
        for copy in 0..<copies {
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                if let brace = line.firstIndex(of: "{") {
                    body += line[...brace] + "copy=\"\(copy)\"," + line[line.index(after: brace)...] + "\n"
                } else if let space = line.firstIndex(of: " ") {
                    body += line[..<space] + "{copy=\"\(copy)\"}" + line[space...] + "\n"
                }
            }
        }
        let bytes = Array(body.utf8)
        try writeBody.map { try OutputFile($0).write(body) }
        let samples = try ExpositionParser.parse(bytes, format: .prometheusText).samples.count
        let start = monotonicNanoseconds()
        for _ in 0..<rounds { _ = try ExpositionParser.parse(bytes, format: .prometheusText) }
        let seconds = Double(monotonicNanoseconds() - start) / 1e9
        print(
            "exposition: \(bytes.count) bytes, \(samples) samples per body; \(rounds) bodies in "
                + "\(formatFixed(seconds, 3)) s = \(Int(Double(samples * rounds) / seconds)) samples/s")
    }
}

/// CPU time of this process: on a machine shared with other work it moves
/// less than the wall clock, which counts the time others held the core.
private func processCPUNanoseconds() -> UInt64 {
    // clock(3): microseconds on Linux (CLOCKS_PER_SEC is 1,000,000).
    UInt64(Glibc.clock()) * 1000
}

/// A whole file as bytes (the protobuf fixture is binary, so not text).
private func readFileBytes(_ path: String) throws -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw InfermonError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
        guard count > 0 else { break }
        bytes += chunk[0..<count]
    }
    return bytes
}

/// Writes bytes to a descriptor, all of them.
enum ByteWriter {
    static func write(_ bytes: [UInt8], to descriptor: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            guard written > 0 else { throw InfermonError.io("write failed: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }
}
