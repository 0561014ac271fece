import AsyncHTTPClient
public import InfermonCore
import Logging
import NIOCore
import NIOHTTP1

/// The HTTP client every receiver sends through. It never follows a redirect
/// to another host (a compromised or misconfigured endpoint must not bounce
/// signed alerts elsewhere), bounds every request by a deadline, and keeps
/// URLs and secrets out of its error messages, which end up in logs.
public final class WebhookTransport: Sendable {
    private let client: HTTPClient
    private let clock: any WallClock
    private let userAgent: String
    static let maxRedirects = 3
    static let maxErrorExcerpt = 200

    public init(clock: any WallClock = SystemWallClock(), userAgent: String = "infermon") {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        configuration.decompression = .disabled
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.clock = clock
        self.userAgent = userAgent
    }

    public func shutdown() async throws { try await client.shutdown() }

    /// For an owner whose own initializer fails after creating the transport.
    func syncShutdown() throws { try client.syncShutdown() }

    /// POSTs a JSON body with the Standard Webhooks headers, signed when a secret is set.
    public func post(
        _ body: [UInt8], to url: EndpointURL, messageID: String, endpoint: EndpointConfig
    ) async -> DeliveryResult {
        var target = url
        for _ in 0...Self.maxRedirects {
            let timestamp = clock.now() / 1000
            var request = HTTPClientRequest(url: target.text)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: userAgent)
            for (name, value) in WebhookSigner.headers(
                id: messageID, timestamp: timestamp, body: body, secret: endpoint.secret)
            {
                request.headers.add(name: name, value: value)
            }
            request.body = .bytes(ByteBuffer(bytes: body))
            let response: HTTPClientResponse
            let excerpt: String
            do {
                response = try await client.execute(request, timeout: .milliseconds(endpoint.timeout.millis))
                let collected = try await response.body.collect(upTo: 1 << 20)
                excerpt = String(decoding: collected.readableBytesView.prefix(Self.maxErrorExcerpt), as: UTF8.self)
            } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
                return .failed(reason: "timed out after \(endpoint.timeout.prometheusText)", retry: true)
            } catch {
                return .failed(reason: "request failed: \(Self.describe(error))", retry: true)
            }
            let code = Int(response.status.code)
            switch code {
            case 200..<300:
                return .delivered
            case 300..<400:
                guard [301, 302, 307, 308].contains(code), let location = response.headers.first(name: "Location"),
                    let next = target.sameHostRedirect(to: location)
                else {
                    return .failed(reason: "HTTP \(code): redirect to another host not followed", retry: false)
                }
                target = next
                continue
            default:
                return Self.classify(code: code, headers: response.headers, excerpt: excerpt, now: clock.now())
            }
        }
        return .failed(reason: "too many redirects", retry: false)
    }

    /// Which failures are worth retrying: timeouts, throttling and server errors.
    /// Other 4xx mean the request itself is wrong, and will stay wrong.
    static func classify(code: Int, headers: HTTPHeaders, excerpt: String, now: Timestamp) -> DeliveryResult {
        let reason = "HTTP \(code)" + (excerpt.isEmpty ? "" : ": \(excerpt)")
        switch code {
        case 429, 503:
            let after = headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0, now: now) }
            return .failed(reason: reason, retry: true, retryAfter: after)
        case 408, 425, 500..<600:
            return .failed(reason: reason, retry: true)
        default:
            return .failed(reason: reason, retry: false)
        }
    }

    /// Error text without the request URL, which may hold a token.
    private static func describe(_ error: any Error) -> String {
        if let client = error as? HTTPClientError { return "\(client)" }
        return String(describing: type(of: error)) + ": " + "\(error)".prefix(160)
    }
}
