import AsyncHTTPClient
import Foundation
import InfermonCore
import NIOCore
import NIOHTTP1

/// Talks to a running daemon's HTTP API for the CLI commands that take `--server`.
struct DaemonClient {
    let baseURL: String
    let token: String?

    init(server: String, tokenFile: String?) throws {
        var url = server
        while url.hasSuffix("/") { url.removeLast() }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw InfermonError.invalidArgument("--server must be an http:// or https:// URL, got \(server)")
        }
        baseURL = url
        token = try tokenFile.map { try readTokenFile($0) }
    }

    /// Sends a request and returns status and body; transport failures become `InfermonError.unavailable`.
    func request(_ method: HTTPMethod, _ path: String, form: [(String, String)] = [], timeoutSeconds: Int64 = 60)
        async throws
        -> (status: Int, body: [UInt8])
    {
        let encoded = form.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
        var request = HTTPClientRequest(url: baseURL + path + (method == .GET && !encoded.isEmpty ? "?" + encoded : ""))
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if method == .POST {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: encoded))
        }
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeoutSeconds))
            let body = try await response.body.collect(upTo: 256 << 20)
            return (Int(response.status.code), Array(body.readableBytesView))
        } catch {
            throw InfermonError.unavailable("cannot reach \(baseURL): \(error)")
        }
    }

    /// A Prometheus API call whose `data` is returned parsed; API errors become `InfermonError`.
    func apiData(_ path: String, form: [(String, String)]) async throws -> Any {
        let (status, body) = try await request(.POST, path, form: form)
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw InfermonError.unavailable("\(baseURL)\(path) answered \(status) without JSON")
        }
        guard object["status"] as? String == "success", let data = object["data"] else {
            let message = object["error"] as? String ?? "HTTP \(status)"
            throw status == 400 || status == 422
                ? InfermonError.invalidArgument(message) : InfermonError.unavailable(message)
        }
        return data
    }
}

func readTokenFile(_ path: String) throws -> String {
    let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !text.isEmpty else { throw InfermonError.invalidArgument("token file \(path) is empty") }
    return text
}

private func percentEncode(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}
