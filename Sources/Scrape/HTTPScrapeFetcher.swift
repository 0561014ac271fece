import AsyncHTTPClient
import InfermonCore
import NIOCore
import NIOHTTP1
import NIOHTTPCompression

#if canImport(Glibc)
    import Glibc
#endif

/// A scrape body and the type its server declared.
struct ScrapeResponse: Sendable {
    var body: [UInt8]
    var contentType: String?
}

/// Fetches a target's metrics page over HTTP(S) with AsyncHTTPClient.
struct HTTPScrapeFetcher: Sendable {
    let client: HTTPClient

    /// A client that accepts gzip (exporters compress large pages), never
    /// follows redirects off the configured target, and fails a refused
    /// connection at once: a scrape reports the target down rather than
    /// retrying until its deadline, as Prometheus does.
    static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.decompression = .enabled(limit: .ratio(200))
        configuration.redirectConfiguration = .disallow
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The page, or an error once `target.timeout` has passed. The client has its
    /// own deadline; the race here makes sure that no state of a connection can
    /// keep a scrape loop waiting past it.
    func fetch(_ target: ScrapeTarget) async throws -> ScrapeResponse {
        try await withThrowingTaskGroup(of: ScrapeResponse.self) { group in
            group.addTask { try await fetchWithoutGuard(target) }
            group.addTask {
                try await Task.sleep(for: target.timeout + .milliseconds(250))
                throw InfermonError.timeout(
                    "no complete answer within \(formatSeconds(Double(target.timeout.millis) / 1000))s")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    private func fetchWithoutGuard(_ target: ScrapeTarget) async throws -> ScrapeResponse {
        var request = HTTPClientRequest(url: target.url)
        request.method = .GET
        request.headers.add(name: "Accept", value: ExpositionFormat.acceptHeader)
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        request.headers.add(name: "User-Agent", value: "infermon-scrape")
        request.headers.add(
            name: "X-Prometheus-Scrape-Timeout-Seconds", value: formatSeconds(Double(target.timeout.millis) / 1000))
        if let file = target.bearerTokenFile {
            request.headers.add(name: "Authorization", value: "Bearer " + (try readToken(file)))
        }
        let response = try await client.execute(request, timeout: .milliseconds(target.timeout.millis))
        guard (200..<300).contains(response.status.code) else {
            throw InfermonError.unavailable(
                "server returned HTTP \(response.status.code) \(response.status.reasonPhrase)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await response.body.collect(upTo: target.bodySizeLimit)
        } catch is NIOTooManyBytesError {
            throw InfermonError.limitExceeded("response body is larger than \(target.bodySizeLimit) bytes")
        }
        return ScrapeResponse(
            body: Array(buffer.readableBytesView), contentType: response.headers.first(name: "Content-Type"))
    }

    /// The token file's contents without surrounding whitespace; never logged.
    private func readToken(_ path: String) throws -> String {
        guard let file = fopen(path, "rb") else {
            throw InfermonError.io("cannot read bearer token file \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= 65_536 {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress!, 1, $0.count, file) }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        let token = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
        guard !token.isEmpty else { throw InfermonError.invalidInput("bearer token file \(path) is empty") }
        return token
    }
}

/// Seconds as Prometheus writes them in headers: `10`, `2.5`.
func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? String(Int64(seconds)) : String(seconds)
}
