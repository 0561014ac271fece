import Collectors
import Foundation
import InfermonCore
import InfermonTesting
import Testing

/// `infermon report` as an operator runs it: events imported with
/// `infermon ingest`, then the built binary writes the report for the last hour.
@Suite("infermon report")
struct ReportCommandTests {
    static let minute: Int64 = 60_000
    static let sections = [
        "Summary", "Traffic and errors", "Latency and time to first token", "Cost and budgets",
        "Service-level objectives", "Drift", "Hallucination rate", "Model performance and calibration", "Incidents",
        "Canary verdicts",
    ]

    /// Events of the last half hour: alpha fails one request in five, beta never.
    static func writeTraffic(to path: String, end: Timestamp) throws -> (alpha: Int, alphaErrors: Int, beta: Int) {
        var lines = ""
        var counts = (alpha: 0, alphaErrors: 0, beta: 0)
        var time = end - 30 * minute
        var index = 0
        while time < end {
            for model in ["alpha", "beta"] {
                let failed = model == "alpha" && index % 5 == 0
                let event = InferenceEvent(
                    timestamp: time, requestID: "\(model)-\(time)", model: model, route: "/v1/chat",
                    status: failed ? .error : .ok, latency: model == "alpha" ? 0.8 : 0.2, promptTokens: 100,
                    completionTokens: 20)
                lines += NativeEncoder.line(event) + "\n"
                if model == "alpha" {
                    counts.alpha += 1
                    if failed { counts.alphaErrors += 1 }
                } else {
                    counts.beta += 1
                }
            }
            index += 1
            time += 15_000
        }
        try TestFiles.append(lines, to: path)
        return counts
    }

    @Test func writesMarkdownAndHTMLForTheLastHour() async throws {
        let directory = try TemporaryDirectory()
        let config = directory.file("infermon.yaml")
        try TestFiles.append("storage:\n  path: \(directory.file("store.db"))\n", to: config)
        let end = SystemWallClock().now() - 60_000
        let counts = try Self.writeTraffic(to: directory.file("events.jsonl"), end: end)
        let binary = try ChildProcess.infermonBinary()
        let ingest = try await runCommand(
            binary, ["ingest", "--config", config, directory.file("events.jsonl")], directory: directory.path,
            name: "ingest")
        #expect(ingest.status == 0, "\(ingest.stderr)")

        let markdown = try await runCommand(
            binary, ["report", "--config", config, "--from", "now-1h", "--format", "markdown"],
            directory: directory.path, name: "report-md")
        #expect(markdown.status == 0, "\(markdown.stderr)")
        let headings = markdown.stdout.split(separator: "\n").filter { $0.hasPrefix("## ") }.map {
            String($0.dropFirst(3))
        }
        #expect(headings == Self.sections, "\(markdown.stdout)")
        let rows = markdown.stdout.split(separator: "\n").map(String.init)
        func row(_ first: String) -> [String]? {
            rows.first { $0.hasPrefix("| \(first) |") }.map {
                $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
        // The traffic table: model, requests, errors, error rate.
        func numbers(_ model: String) -> [Double]? {
            row(model).map { $0.dropFirst(1).prefix(2).compactMap(Double.init) }
        }
        // Exact counts: read from the store's cumulative rollups, not PromQL's increase(),
        // which extrapolates to the period's edges (122 for these 120 requests).
        #expect(numbers("alpha") == [Double(counts.alpha), Double(counts.alphaErrors)], "\(markdown.stdout)")
        #expect(numbers("beta") == [Double(counts.beta), 0], "\(markdown.stdout)")

        // A period starting in the middle of the traffic, on the store's one-minute rollup grid:
        // exactly the requests from then on.
        let from = (end - 12 * Self.minute) / Self.minute * Self.minute
        let sent = stride(from: end - 30 * Self.minute, to: end, by: 15_000).filter { $0 >= from }.count
        let middle = try await runCommand(
            binary,
            ["report", "--config", config, "--from", TimeParsing.formatRFC3339(from), "--format", "markdown"],
            directory: directory.path, name: "report-middle")
        let betaRow = middle.stdout.split(separator: "\n").first { $0.hasPrefix("| beta |") }
        let betaCount = betaRow.flatMap { Double($0.split(separator: "|")[1].trimmingCharacters(in: .whitespaces)) }
        #expect(betaCount == Double(sent), "\(middle.stdout)\n\(middle.stderr)")

        let page = directory.file("report.html")
        let html = try await runCommand(
            binary, ["report", "--config", config, "--from", "now-1h", "--format", "html", "--output", page],
            directory: directory.path, name: "report-html")
        #expect(html.status == 0, "\(html.stderr)")
        let text = try String(contentsOfFile: page, encoding: .utf8)
        #expect(text.hasPrefix("<!DOCTYPE html>"))
        for section in Self.sections { #expect(text.contains(section), "\(section) is missing") }
        #expect(text.contains("<svg"), "the charts are inline SVG")
        // Self-contained: nothing for a browser to fetch.
        #expect(!text.contains("src=\"http") && !text.contains("href=\"http") && !text.contains("<script"))

        let backwards = try await runCommand(
            binary, ["report", "--config", config, "--from", "now-1h", "--to", "now-2h", "--format", "markdown"],
            directory: directory.path, name: "report-backwards")
        #expect(backwards.status != 0 && !backwards.stderr.isEmpty, "\(backwards.stdout)")
    }
}
