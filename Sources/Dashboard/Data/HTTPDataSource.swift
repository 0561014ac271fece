import AsyncHTTPClient
public import InfermonCore
import NIOCore
import NIOHTTP1
public import Query

/// Reads a running daemon (or any Prometheus-compatible server) over its HTTP
/// API. Queries are POSTed form-encoded, as Grafana does, so long PromQL never
/// meets a URL length limit. AsyncHTTPClient because the package already
/// depends on it (Notify) and it keeps one keep-alive connection per host.
public final class HTTPDataSource: DashboardDataSource {
    public let label: String
    let baseURL: String
    let token: String?
    let timeout: TimeAmount
    let client: HTTPClient

    /// - Parameters:
    ///   - baseURL: `http://host:port`, optionally with a path prefix.
    ///   - token: bearer token, for a daemon listening beyond loopback.
    public init(baseURL: String, token: String? = nil, timeoutMillis: Int64 = 10_000) throws {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw InfermonError.invalidArgument("--server needs an http:// or https:// URL, got \"\(baseURL)\"")
        }
        self.baseURL = base
        self.label = base
        self.token = token
        self.timeout = .milliseconds(timeoutMillis)
        client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
    }

    public func shutdown() async throws { try await client.shutdown() }

    public func instant(_ query: String, at time: Timestamp) async throws -> QueryResult {
        let (status, body) = try await post(
            "/api/v1/query", form: [("query", query), ("time", Self.seconds(time))])
        return try decode(status, body) { try PrometheusResponseDecoder.queryResult($0) }
    }

    public func range(_ query: String, start: Timestamp, end: Timestamp, step: Int64) async throws -> QueryResult {
        let (status, body) = try await post(
            "/api/v1/query_range",
            form: [
                ("query", query), ("start", Self.seconds(start)), ("end", Self.seconds(end)),
                ("step", Self.seconds(step)),
            ])
        return try decode(status, body) { try PrometheusResponseDecoder.queryResult($0) }
    }

    public func activeAlerts() async throws -> Feed<[ActiveAlert]> {
        let (status, body) = try await get("/api/v1/alerts")
        if status == 404 { return .notAvailable("not available: no /api/v1/alerts here") }
        return .available(try decode(status, body) { try PrometheusResponseDecoder.alerts($0) })
    }

    public func recentNotifications(limit: Int) async throws -> Feed<[NotificationRecord]> {
        let (status, body) = try await get("/api/v1/notifications?limit=\(limit)")
        if status == 404 { return .notAvailable("not available: no /api/v1/notifications here") }
        return .available(try decode(status, body) { try PrometheusResponseDecoder.notifications($0) })
    }

    private func decode<T>(_ status: Int, _ body: [UInt8], _ parse: ([UInt8]) throws -> T) throws -> T {
        do {
            return try parse(body)
        } catch let error as InfermonError where !(200..<300).contains(status) {
            // Error envelopes carry the server's message; anything else gets the status.
            if error.message.hasPrefix("response is not") { throw InfermonError.unavailable("HTTP \(status)") }
            throw error
        }
    }

    private func post(_ path: String, form: [(String, String)]) async throws -> (Int, [UInt8]) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let body = form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: body))
        return try await send(request)
    }

    private func get(_ path: String) async throws -> (Int, [UInt8]) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .GET
        return try await send(request)
    }

    private func send(_ request: HTTPClientRequest) async throws -> (Int, [UInt8]) {
        var request = request
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.headers.add(name: "Accept", value: "application/json")
        do {
            let response = try await client.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: 64 << 20)
            return (Int(response.status.code), Array(buffer.readableBytesView))
        } catch let error as HTTPClientError {
            throw InfermonError.unavailable("\(baseURL): \(error)")
        } catch let error as InfermonError {
            throw error
        } catch {
            throw InfermonError.unavailable("\(baseURL): \(error)")
        }
    }

    /// Seconds with milliseconds, as the API takes times and steps.
    static func seconds(_ millis: Int64) -> String {
        let whole = millis / 1000
        let fraction = abs(millis % 1000)
        guard fraction != 0 else { return String(whole) }
        let digits = String(fraction)
        return "\(whole).\(String(repeating: "0", count: 3 - digits.count))\(digits)"
    }

    /// application/x-www-form-urlencoded: unreserved bytes as they are, space as +, the rest %XX.
    static func formEncode(_ text: String) -> String { PercentEncoding.queryComponent(text, spaceAsPlus: true) }
}
