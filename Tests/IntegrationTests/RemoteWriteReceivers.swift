import Foundation
import InfermonCore
import InfermonTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A real remote write receiver started on loopback for a test: Prometheus 2.42
/// with `--web.enable-remote-write-receiver`, or VictoriaMetrics (Debian's
/// `prometheus` and `victoria-metrics`). Stopping and starting it again keeps
/// its port and data directory, as a receiver outage does.
final class RemoteWriteReceiver: @unchecked Sendable {
    enum Kind { case prometheus, victoriaMetrics }

    let kind: Kind
    let port: Int
    let directory: String
    private var process: ChildProcess?
    private var starts = 0

    init(_ kind: Kind, directory: String) async throws {
        self.kind = kind
        self.directory = directory
        port = try await RecordingReceiver.reservablePort()
        try makeDirectoryForTest(directory)
        if kind == .prometheus { try TestFiles.append("global: {}\n", to: directory + "/prometheus.yml") }
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    /// Both take remote write 1.0 at the same path.
    var writeURL: String { baseURL + "/api/v1/write" }

    func start() async throws {
        starts += 1
        let child: ChildProcess
        switch kind {
        case .prometheus:
            let binary = try #require(
                findExecutable("prometheus"), "apt-get install prometheus (make test installs it)")
            child = try ChildProcess(
                executable: binary,
                arguments: [
                    "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
                    "--web.listen-address=127.0.0.1:\(port)", "--web.enable-remote-write-receiver",
                ], outputPrefix: "\(directory)/run\(starts)")
        case .victoriaMetrics:
            let binary = try #require(
                findExecutable("victoria-metrics"), "apt-get install victoria-metrics (make test installs it)")
            child = try ChildProcess(
                executable: binary,
                arguments: [
                    "-storageDataPath=\(directory)/data", "-httpListenAddr=127.0.0.1:\(port)",
                    "-retentionPeriod=100y", "-search.latencyOffset=0s",
                ], outputPrefix: "\(directory)/run\(starts)")
        }
        process = child
        let path = kind == .prometheus ? "/-/ready" : "/health"
        let ready = try await waitUntil(timeoutSeconds: 30) {
            guard child.isRunning else { return true }
            return (try? await HTTP.request(.get, self.baseURL + path).status) == 200
        }
        guard ready, child.isRunning else {
            throw InfermonError.unavailable("\(kind) did not start: \(child.standardError().suffix(2000))")
        }
    }

    /// SIGTERM and wait: the receiver is down until `start()`.
    func stop() async throws {
        guard let process else { return }
        process.signal(SIGTERM)
        _ = try await process.wait()
        self.process = nil
    }

    func discard() { process?.discard() }

    /// Raw samples per series (external labels as sent) in `[start, end]`: Prometheus
    /// through a range-vector selector, VictoriaMetrics through `/api/v1/export`.
    func rawSamples(_ selector: String, start: Timestamp, end: Timestamp) async throws -> [Labels: [Sample]] {
        switch kind {
        case .prometheus:
            return try await PrometheusJSON.rawSamples(baseURL: baseURL, selector, start: start, end: end)
        case .victoriaMetrics:
            let url =
                baseURL + "/api/v1/export?match%5B%5D=\(formEncode(selector))&start=\(start / 1000)&end=\(end / 1000)"
            let answer = try await HTTP.request(.get, url)
            var result: [Labels: [Sample]] = [:]
            for line in answer.body.split(separator: "\n") {
                let object = try #require(
                    (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], "\(line)")
                let metric = try #require(object["metric"] as? [String: String])
                let values = try #require(object["values"] as? [Any])
                let times = try #require(object["timestamps"] as? [NSNumber])
                let samples = zip(times, values).map { time, value in
                    Sample(time.int64Value, (value as? NSNumber)?.doubleValue ?? Double("\(value)") ?? .nan)
                }
                result[Labels(metric), default: []] += samples.filter { $0.timestamp >= start && $0.timestamp <= end }
            }
            return result.mapValues { $0.sorted { $0.timestamp < $1.timestamp } }
        }
    }
}

/// Reading the Prometheus HTTP API's JSON answers (infermon's and Prometheus's alike).
enum PrometheusJSON {
    /// `selector[window]` evaluated at `end`: every raw sample in `[start, end]`.
    static func rawSamples(baseURL: String, _ selector: String, start: Timestamp, end: Timestamp) async throws
        -> [Labels: [Sample]]
    {
        let window = (end - start) / 1000 + 1
        let query = "\(selector)[\(window)s]"
        let answer = try await HTTP.request(
            .get, baseURL + "/api/v1/query?query=\(formEncode(query))&time=\(Double(end) / 1000)")
        let object = try #require(
            (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))) as? [String: Any],
            "\(baseURL) \(query): \(answer.status) \(answer.body)")
        let data = try #require(object["data"] as? [String: Any], "\(answer.body)")
        let result = try #require(data["result"] as? [[String: Any]], "\(answer.body)")
        var series: [Labels: [Sample]] = [:]
        for entry in result {
            let metric = try #require(entry["metric"] as? [String: String])
            let values = try #require(entry["values"] as? [[Any]])
            series[Labels(metric)] = try values.map { pair in
                let time = try #require(pair[0] as? NSNumber).doubleValue
                let text = try #require(pair[1] as? String)
                let value = try #require(Double(text))
                return Sample(Int64((time * 1000).rounded()), value)
            }.filter { $0.timestamp >= start }
        }
        return series
    }
}

func formEncode(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}

/// promtool's text output for `query range`/`query instant`: series label text to points.
func parsePromtool(_ output: String) -> [String: [(time: Double, value: Double)]] {
    var result: [String: [(time: Double, value: Double)]] = [:]
    var current = ""
    for line in output.split(separator: "\n").map(String.init) {
        if line.hasSuffix(" =>") {
            current = String(line.dropLast(3))
            result[current] = []
        } else if let arrow = line.range(of: " => "), let at = line.range(of: " @[") {
            // Instant vectors: `{labels} => value @[time]`.
            let value = Double(line[arrow.upperBound..<at.lowerBound]) ?? .nan
            result[String(line[..<arrow.lowerBound]), default: []].append((0, value))
        } else if let at = line.range(of: " @[") {
            let value = Double(line[..<at.lowerBound]) ?? .nan
            let time = Double(line[at.upperBound...].dropLast()) ?? .nan
            result[current, default: []].append((time, value))
        }
    }
    return result
}
