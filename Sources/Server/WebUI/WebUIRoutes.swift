public import Collectors
public import Hummingbird
public import InfermonCore
public import Query

/// The built-in web UI: server-rendered pages with their stylesheet and one
/// small script inline, nothing fetched from elsewhere.
///
/// - `/graph`: a PromQL expression as a table (instant query) and an SVG chart
///   (range query); it reads Prometheus's `g0.expr`, `g0.tab`, `g0.range_input`,
///   `g0.end_input` and `g0.step_input`, so alerts' `generatorURL` links open;
/// - `/alerts`: firing and pending alerts, each with a button to silence it;
/// - `/silences`: a form to create one, and the kept ones with expire buttons;
/// - `/status`: readiness, components, file sources and their lag, configuration.
///
/// Pages are reads, under the same access policy as the query API; the
/// silence buttons write through `/api/v2/silences` (see `WebUIScript`).
public struct WebUIRoutes: HTTPRouteModule {
    let query: WebUIQuery
    let rules: any RuleStatusProvider
    let silences: @Sendable () async throws -> [Silence]
    let status: WebUIStatus
    let tokenConfigured: Bool
    let clock: any WallClock

    /// - Parameters:
    ///   - silences: every kept silence, newest first (the page only reads; writes go through the API).
    ///   - access: the server's policy, to tell the page whether writes need a token.
    public init(
        query: WebUIQuery, rules: any RuleStatusProvider, silences: @escaping @Sendable () async throws -> [Silence],
        status: WebUIStatus, access: AccessPolicy, clock: any WallClock = SystemWallClock()
    ) {
        self.query = query
        self.rules = rules
        self.silences = silences
        self.status = status
        self.tokenConfigured = access.token != nil
        self.clock = clock
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in Response(status: .found, headers: [.location: "/graph"]) }
        router.get("/graph") { request, _ in
            let parameters = FormParameters(query: request.uri.query)
            let graph = GraphRequest(parameters, now: clock.now())
            // Queries block on SQLite and on evaluation.
            let result = try await BlockingWork.run { graph.run(query) }
            return GraphPage.render(graph, result)
        }
        router.get("/alerts") { _, _ in
            let groups = await rules.ruleGroups()
            let kept = (try? await silences()) ?? []
            return AlertsPage.render(groups: groups, silences: kept, now: clock.now())
        }
        router.get("/silences") { request, _ in
            let parameters = FormParameters(query: request.uri.query)
            do {
                let kept = try await silences()
                return SilencesPage.render(
                    silences: kept, prefill: SilencePrefill(parameters), tokenConfigured: tokenConfigured,
                    now: clock.now())
            } catch {
                return HTMLPage.response(
                    title: "Silences", tab: .silences,
                    body: #"<p class="error">cannot read silences: \#(HTML.escape("\(error)"))</p>"#,
                    status: .internalServerError)
            }
        }
        router.get("/status") { _, _ in
            let snapshot = await status.snapshot()
            return StatusPage.render(snapshot, tokenConfigured: tokenConfigured, now: clock.now())
        }
    }
}

/// What `/graph` queries, with the query API's deadline and sample limit.
public struct WebUIQuery: Sendable {
    let querier: any SeriesQuerier
    let sketches: (any SketchQuerier)?
    let engine: QueryEngine
    let limits: QueryLimits

    public init(
        querier: any SeriesQuerier, sketches: (any SketchQuerier)?, engine: QueryEngine = QueryEngine(),
        timeout: Duration, maxSamples: Int
    ) {
        self.querier = querier
        self.sketches = sketches
        self.engine = engine
        self.limits = QueryLimits(timeout: timeout, maxSamples: maxSamples)
    }
}

/// Where `/status` reads the daemon's state; the daemon passes closures so
/// this module does not depend on the stages it reports on.
public struct WebUIStatus: Sendable {
    /// One file source: what it has ingested since start and how far behind each file is.
    public struct Source: Sendable {
        public var name: String
        public var events: Int
        public var rejectedLines: Int
        public var lag: [(path: String, bytes: Int64)]

        public init(name: String, events: Int, rejectedLines: Int, lag: [(path: String, bytes: Int64)]) {
            self.name = name
            self.events = events
            self.rejectedLines = rejectedLines
            self.lag = lag
        }
    }

    struct Snapshot {
        var ready: (ready: Bool, reason: String)
        var version: String
        var components: [ComponentStatus]
        var sources: [Source]
        var configuration: [(key: String, value: String)]
    }

    let readiness: Readiness
    let version: String
    let sources: @Sendable () async -> [Source]
    let configuration: @Sendable () async -> [(key: String, value: String)]

    /// - Parameter configuration: a summary of the running configuration, without secrets.
    public init(
        readiness: Readiness, version: String, sources: @escaping @Sendable () async -> [Source],
        configuration: @escaping @Sendable () async -> [(key: String, value: String)]
    ) {
        self.readiness = readiness
        self.version = version
        self.sources = sources
        self.configuration = configuration
    }

    /// The file sources of a collector group.
    public static func fileSources(_ group: FileCollectorGroup) -> @Sendable () async -> [Source] {
        {
            await group.snapshot().map {
                Source(
                    name: $0.source, events: $0.totals.events, rejectedLines: $0.totals.deadLetters,
                    lag: $0.lag)
            }
        }
    }

    func snapshot() async -> Snapshot {
        Snapshot(
            ready: readiness.current, version: version, components: readiness.components, sources: await sources(),
            configuration: await configuration())
    }
}
