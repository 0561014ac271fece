public import Hummingbird
public import InfermonCore

/// Silences over HTTP in Alertmanager's API v2 shape, so `amtool silence
/// add|query|expire --alertmanager.url=http://infermon:9464` and scripts
/// written for Alertmanager manage infermon's silences unchanged:
///
/// - `GET /api/v2/silences[?filter=name="value"…]`: every kept silence;
/// - `POST /api/v2/silences`: create (`{"silenceID": …}`); with the `id` of a
///   silence that has not expired, that one is expired and replaced;
/// - `GET /api/v2/silence/{id}` and `DELETE /api/v2/silence/{id}` (expire).
///
/// Errors are plain text, as Alertmanager answers them.
public struct SilenceRoutes: HTTPRouteModule {
    let registry: any SilenceRegistry
    let clock: any WallClock

    public init(registry: any SilenceRegistry, clock: any WallClock = SystemWallClock()) {
        self.registry = registry
        self.clock = clock
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v2/silences") { request, _ in
            let filters: [LabelMatcher]
            do {
                filters = try request.uri.queryParameters.getAll("filter").flatMap { try LabelMatcher.parseList($0) }
            } catch let error as InfermonError {
                return APIResponse.text("bad filter: \(error.message)", status: .badRequest)
            }
            let silences = try await registry.list(state: nil).filter { Self.silence($0, matches: filters) }
            let now = clock.now()
            return try APIResponse.json(encoding: silences.map { GettableSilence($0, now: now) })
        }
        router.post("/api/v2/silences") { request, context in
            let posted: PostableSilence
            do {
                posted = try await request.decode(as: PostableSilence.self, context: context)
            } catch {
                return APIResponse.text("the body is not a silence: \(error)", status: .badRequest)
            }
            do {
                let input = try posted.validated()
                if let id = posted.id, !id.isEmpty {
                    guard let old = try await find(id) else {
                        return APIResponse.text("silence \(id) not found", status: .notFound)
                    }
                    if old.state(at: clock.now()) != .expired { try await registry.expire(id: id) }
                }
                let created = try await registry.create(
                    matchers: input.matchers, startsAt: input.startsAt, endsAt: input.endsAt,
                    createdBy: posted.createdBy, comment: posted.comment)
                return try APIResponse.json(encoding: ["silenceID": created.id])
            } catch let error as InfermonError {
                return APIResponse.text(error.message, status: .badRequest)
            }
        }
        router.get("/api/v2/silence/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let silence = try await find(id) else {
                return APIResponse.text("silence \(id) not found", status: .notFound)
            }
            return try APIResponse.json(encoding: GettableSilence(silence, now: clock.now()))
        }
        router.delete("/api/v2/silence/{id}") { _, context in
            let id = context.parameters.get("id") ?? ""
            guard let silence = try await find(id) else {
                return APIResponse.text("silence \(id) not found", status: .notFound)
            }
            guard silence.state(at: clock.now()) != .expired else {
                return APIResponse.text("silence \(id) has already expired", status: .badRequest)
            }
            try await registry.expire(id: id)
            return APIResponse.json("")
        }
    }

    private func find(_ id: String) async throws -> Silence? {
        try await registry.list(state: nil).first { $0.id == id }
    }

    /// Alertmanager's filter: the silence's matchers, read as labels
    /// (name → value), must satisfy every filter matcher.
    static func silence(_ silence: Silence, matches filters: [LabelMatcher]) -> Bool {
        guard !filters.isEmpty else { return true }
        var labels: [String: String] = [:]
        for matcher in silence.matchers { labels[matcher.name] = matcher.value }
        return filters.matches(Labels(labels))
    }
}

/// The body of `POST /api/v2/silences` (Alertmanager's `postableSilence`).
struct PostableSilence: Decodable {
    struct Matcher: Decodable {
        var name: String
        var value: String
        var isRegex: Bool
        var isEqual: Bool?
    }

    var id: String?
    var matchers: [Matcher]
    var startsAt: String
    var endsAt: String
    var createdBy: String
    var comment: String

    func validated() throws -> (matchers: [LabelMatcher], startsAt: Timestamp, endsAt: Timestamp) {
        let parsed = try matchers.map { matcher -> LabelMatcher in
            let equal = matcher.isEqual ?? true
            let op: LabelMatcher.Operator =
                matcher.isRegex ? (equal ? .matchRegex : .notMatchRegex) : (equal ? .equal : .notEqual)
            return try LabelMatcher(matcher.name, op, matcher.value)
        }
        guard let start = TimeParsing.rfc3339Millis(startsAt) else {
            throw InfermonError.invalidArgument("startsAt is not an RFC 3339 time: \(startsAt)")
        }
        guard let end = TimeParsing.rfc3339Millis(endsAt) else {
            throw InfermonError.invalidArgument("endsAt is not an RFC 3339 time: \(endsAt)")
        }
        return (parsed, start, end)
    }
}

/// Alertmanager's `gettableSilence`, key for key.
struct GettableSilence: Encodable {
    struct Status: Encodable { var state: String }
    struct Matcher: Encodable {
        var isEqual: Bool
        var isRegex: Bool
        var name: String
        var value: String
    }

    var id: String
    var status: Status
    var updatedAt: String
    var comment: String
    var createdBy: String
    var endsAt: String
    var matchers: [Matcher]
    var startsAt: String

    init(_ silence: Silence, now: Timestamp) {
        id = silence.id
        status = Status(state: silence.state(at: now).rawValue)
        updatedAt = TimeParsing.formatRFC3339(silence.updatedAt)
        comment = silence.comment
        createdBy = silence.createdBy
        endsAt = TimeParsing.formatRFC3339(silence.endsAt)
        matchers = silence.matchers.map { matcher in
            Matcher(
                isEqual: matcher.op == .equal || matcher.op == .matchRegex,
                isRegex: matcher.op == .matchRegex || matcher.op == .notMatchRegex, name: matcher.name,
                value: matcher.value)
        }
        startsAt = TimeParsing.formatRFC3339(silence.startsAt)
    }
}
