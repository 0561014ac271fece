import AsyncHTTPClient
import Foundation
import InfermonCore
import InfermonYAML
import NIOCore
import NIOHTTP1

/// POSTs one compressed `WriteRequest` with the headers of remote write 1.0 and
/// sorts the answer into Prometheus's three cases: sent, retry later, refused.
struct RemoteWriteClient: Sendable {
    enum Outcome: Sendable, Equatable {
        case sent
        /// 5xx, 429 or no answer; `notBefore` from `Retry-After` when the receiver gave one.
        case retry(reason: String, notBefore: Timestamp?)
        /// Any other answer: the receiver will never take these samples.
        case refused(status: Int, reason: String)
    }

    let endpoint: RemoteWriteEndpoint
    let userAgent: String
    let client: HTTPClient
    let clock: any WallClock

    func send(_ batch: RemoteWriteBatch) async -> Outcome {
        var request = HTTPClientRequest(url: endpoint.url)
        request.method = .POST
        for (name, value) in endpoint.headers.sorted(by: { $0.key < $1.key }) {
            request.headers.add(name: name, value: value)
        }
        request.headers.replaceOrAdd(name: "Content-Encoding", value: "snappy")
        request.headers.replaceOrAdd(name: "Content-Type", value: "application/x-protobuf")
        request.headers.replaceOrAdd(name: "X-Prometheus-Remote-Write-Version", value: "0.1.0")
        request.headers.replaceOrAdd(name: "User-Agent", value: userAgent)
        do {
            if let authorization = try authorization() {
                request.headers.replaceOrAdd(name: "Authorization", value: authorization)
            }
        } catch {
            // A missing credentials file may appear (a rotated secret): retry, as for a network error.
            return .retry(reason: "\(error)", notBefore: nil)
        }
        request.body = .bytes(ByteBuffer(bytes: batch.body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(endpoint.timeout.millis))
            let status = Int(response.status.code)
            // Read (a little of) the answer so the connection can be reused, and for the log.
            let body = (try? await response.body.collect(upTo: 64 << 10)).map { String(buffer: $0) } ?? ""
            let reason = "HTTP \(status): \(body.prefix(256).trimming(where: \.isWhitespace))"
            switch status {
            case 200..<300: return .sent
            case 429, 500..<600:
                let notBefore = response.headers.first(name: "Retry-After").flatMap {
                    RetryAfter.parse($0, now: clock.now())
                }
                return .retry(reason: reason, notBefore: notBefore)
            default: return .refused(status: status, reason: reason)
            }
        } catch {
            return .retry(reason: "\(error)", notBefore: nil)
        }
    }

    /// Read on every request, so a rotated token or password is picked up, as Prometheus does.
    private func authorization() throws -> String? {
        if let file = endpoint.bearerTokenFile {
            return "Bearer " + (try readSecret(file))
        }
        if let basic = endpoint.basicAuth {
            let pair = basic.username + ":" + (try readSecret(basic.passwordFile))
            return "Basic " + Data(pair.utf8).base64EncodedString()
        }
        return nil
    }

    private func readSecret(_ path: String) throws -> String {
        try readTextFile(path).trimming(where: \.isWhitespace)
    }
}
