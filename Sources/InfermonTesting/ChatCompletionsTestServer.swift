import InfermonCore
import Synchronization

/// A local OpenAI-compatible `/v1/chat/completions` endpoint for judge tests.
/// Each request takes the next scripted behaviour (or the fallback when the
/// script is used up) and every request is recorded, so a test can check what
/// the client sent, how often it retried, and what it did with each answer.
public final class ChatCompletionsTestServer: Sendable {
    public enum Behavior: Sendable, Equatable {
        /// A well-formed completion whose message content is the verdict JSON.
        case verdict(String, score: Double, reason: String, promptTokens: Int = 500, completionTokens: Int = 40)
        /// A well-formed completion carrying arbitrary message content (prose, fenced JSON, broken JSON…).
        case content(String, promptTokens: Int = 500, completionTokens: Int = 40)
        /// A raw body with status 200 that is not a chat completion at all.
        case rawBody(String)
        /// An error status, with a `Retry-After` header when given.
        case status(Int, retryAfter: String? = nil)
        /// Never answer (the client's timeout must fire).
        case hang
    }

    private struct State {
        var script: [Behavior]
        var fallback: Behavior
        var requests: [RecordedRequest] = []
    }

    /// Shared with the socket server's handler; a class because a `Mutex` cannot be captured.
    private final class Box: Sendable {
        let state: Mutex<State>
        init(_ state: State) { self.state = Mutex(state) }
    }

    private let box: Box
    private let server: TestHTTPServer

    private init(box: Box, server: TestHTTPServer) {
        self.box = box
        self.server = server
    }

    /// Starts an endpoint on 127.0.0.1; `stop()` it at the end of the test.
    public static func start(
        script: [Behavior] = [], fallback: Behavior = .verdict("supported", score: 0.1, reason: "grounded")
    ) async throws -> ChatCompletionsTestServer {
        let box = Box(State(script: script, fallback: fallback))
        let server = try await TestHTTPServer.start { request in
            let behavior = box.state.withLock { state -> Behavior in
                state.requests.append(request)
                return state.script.isEmpty ? state.fallback : state.script.removeFirst()
            }
            return reply(to: behavior)
        }
        return ChatCompletionsTestServer(box: box, server: server)
    }

    public var url: String { "\(server.baseURL)/v1/chat/completions" }

    public var requests: [RecordedRequest] { box.state.withLock { $0.requests } }
    public var requestCount: Int { box.state.withLock { $0.requests.count } }

    /// Appends behaviours to the script.
    public func enqueue(_ behaviors: [Behavior]) { box.state.withLock { $0.script += behaviors } }

    public func setFallback(_ behavior: Behavior) { box.state.withLock { $0.fallback = behavior } }

    public func stop() { server.stop() }

    private static func reply(to behavior: Behavior) -> TestHTTPServer.Reply {
        let json = [("Content-Type", "application/json")]
        switch behavior {
        case .verdict(let verdict, let score, let reason, let promptTokens, let completionTokens):
            var content = "{\"verdict\":"
            writeJSONString(verdict, to: &content)
            content += ",\"score\":\(score),\"reason\":"
            writeJSONString(reason, to: &content)
            content += "}"
            return .respond(
                status: 200, headers: json,
                body: completion(content, promptTokens: promptTokens, completionTokens: completionTokens))
        case .content(let content, let promptTokens, let completionTokens):
            return .respond(
                status: 200, headers: json,
                body: completion(content, promptTokens: promptTokens, completionTokens: completionTokens))
        case .rawBody(let body):
            return .respond(status: 200, headers: json, body: Array(body.utf8))
        case .status(let code, let retryAfter):
            var headers = json
            if let retryAfter { headers.append(("Retry-After", retryAfter)) }
            return .respond(
                status: code, headers: headers, body: Array("{\"error\":{\"message\":\"status \(code)\"}}".utf8))
        case .hang:
            return .hang
        }
    }

    private static func completion(_ content: String, promptTokens: Int, completionTokens: Int) -> [UInt8] {
        var body = "{\"id\":\"chatcmpl-test\",\"object\":\"chat.completion\",\"model\":\"judge-test\",\"choices\":["
        body += "{\"index\":0,\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\",\"content\":"
        writeJSONString(content, to: &body)
        body += "}}],\"usage\":{\"prompt_tokens\":\(promptTokens),\"completion_tokens\":\(completionTokens),"
        body += "\"total_tokens\":\(promptTokens + completionTokens)}}"
        return Array(body.utf8)
    }
}
