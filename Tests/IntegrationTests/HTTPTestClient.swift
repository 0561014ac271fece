import AsyncHTTPClient
import InfermonCore
import NIOCore
import NIOHTTP1

/// Real HTTP requests to a daemon under test.
enum HTTP {
    struct Answer {
        var status: Int
        var headers: [(String, String)]
        var body: String
    }

    enum Method { case get, post, delete }

    /// `HTTPClient.shared` asks for gzip and refuses an answer that inflates more than
    /// 25 times, as the JSON of many near-identical samples from Prometheus or
    /// VictoriaMetrics does. Without decompression it asks for none.
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    static func request(
        _ method: Method, _ url: String, body: String? = nil, bytes: [UInt8]? = nil, token: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        switch method {
        case .get: request.method = .GET
        case .post: request.method = .POST
        case .delete: request.method = .DELETE
        }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        if let bytes { request.body = .bytes(ByteBuffer(bytes: bytes)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Answer(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: String(buffer: bytes))
    }
}
