public import Hummingbird
public import InfermonCore
import NIOCore
public import Query

/// The Prometheus HTTP API over infermon's store: instant and range queries,
/// series, label names and values, with Prometheus's parameters, JSON envelope
/// and error codes, so `promtool query …` and Grafana's Prometheus data source
/// work unchanged.
public struct PrometheusAPIRoutes: HTTPRouteModule {
    let querier: any SeriesQuerier
    let sketches: (any SketchQuerier)?
    let engine: QueryEngine
    let clock: any WallClock
    let timeout: Duration
    let maxSamples: Int
    let maxBodyBytes: Int
    /// Takes `POST /api/v1/labels` with a JSON body (truth labels); nil answers every POST as label names.
    let labelIngest: LabelIngest?

    public init(
        querier: any SeriesQuerier, sketches: (any SketchQuerier)?, engine: QueryEngine = QueryEngine(),
        clock: any WallClock = SystemWallClock(), timeout: Duration, maxSamples: Int, maxBodyBytes: Int,
        labelIngest: LabelIngest? = nil
    ) {
        self.labelIngest = labelIngest
        self.querier = querier
        self.sketches = sketches
        self.engine = engine
        self.clock = clock
        self.timeout = timeout
        self.maxSamples = maxSamples
        self.maxBodyBytes = maxBodyBytes
    }

    public func register(on router: Router<BasicRequestContext>) {
        for method in [HTTPRequest.Method.get, .post] {
            router.on("/api/v1/query", method: method) { request, _ in try await respond(request, instant) }
            router.on("/api/v1/query_range", method: method) { request, _ in try await respond(request, range) }
            router.on("/api/v1/series", method: method) { request, _ in try await respond(request, series) }
            router.on("/api/v1/labels", method: method) { request, _ in
                if let labelIngest, LabelIngest.isLabelBody(request) { return try await labelIngest.handle(request) }
                return try await respond(request, labelNames)
            }
            router.on("/api/v1/label/{name}/values", method: method) { request, context in
                let name = context.parameters.get("name") ?? ""
                return try await respond(request) { try labelValues(name, $0) }
            }
        }
    }

    /// Runs a handler on `BlockingWork`'s pool (queries block on SQLite and on
    /// evaluation) and turns its errors into Prometheus's envelope.
    private func respond(_ request: Request, _ handler: @escaping @Sendable (FormParameters) throws -> [UInt8])
        async throws
        -> Response
    {
        let parameters = try await FormParameters.from(request, maxBodyBytes: maxBodyBytes)
        let outcome = try await BlockingWork.run { Result { try handler(parameters) } }
        switch outcome {
        case .success(let body):
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
        case .failure(let error):
            let encoded = PrometheusJSON.encode(error: error)
            return Response(
                status: HTTPResponse.Status(code: encoded.status), headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: encoded.body)))
        }
    }

    private func limits(_ parameters: FormParameters) throws -> QueryLimits {
        var deadline = timeout
        if let requested = parameters["timeout"] {
            deadline = min(deadline, .milliseconds(try APIParameters.duration(requested, name: "timeout")))
        }
        return QueryLimits(timeout: deadline, maxSamples: maxSamples)
    }

    @Sendable func instant(_ parameters: FormParameters) throws -> [UInt8] {
        let query = try APIParameters.required(parameters, "query")
        let time = try parameters["time"].map { try APIParameters.time($0, name: "time") } ?? clock.now()
        let result = try engine.instant(
            query, at: time, querier: querier, sketches: sketches, limits: limits(parameters))
        return PrometheusJSON.encode(result)
    }

    @Sendable func range(_ parameters: FormParameters) throws -> [UInt8] {
        let query = try APIParameters.required(parameters, "query")
        let start = try APIParameters.time(APIParameters.required(parameters, "start"), name: "start")
        let end = try APIParameters.time(APIParameters.required(parameters, "end"), name: "end")
        let step = try APIParameters.duration(APIParameters.required(parameters, "step"), name: "step")
        let result = try engine.range(
            query, start: start, end: end, step: step, querier: querier, sketches: sketches, limits: limits(parameters))
        return PrometheusJSON.encode(result)
    }

    @Sendable func series(_ parameters: FormParameters) throws -> [UInt8] {
        let selectors = parameters.all("match[]")
        guard !selectors.isEmpty else { throw InfermonError.invalidArgument("no match[] parameter provided") }
        let (start, end) = try APIParameters.window(parameters, now: clock.now())
        var found = Set<Labels>()
        for selector in selectors {
            for labels in try querier.labelSets(try APIParameters.matchers(selector), from: start, through: end) {
                found.insert(labels)
            }
        }
        var out = #"{"status":"success","data":["#
        for (index, labels) in found.sorted().enumerated() {
            if index > 0 { out += "," }
            out += APIParameters.labelsObject(labels)
        }
        return Array((out + "]}").utf8)
    }

    @Sendable func labelNames(_ parameters: FormParameters) throws -> [UInt8] {
        let sets = try matchingSets(parameters)
        return APIParameters.stringList(Set(sets.flatMap { $0.pairs.map(\.name) }).sorted())
    }

    func labelValues(_ name: String, _ parameters: FormParameters) throws -> [UInt8] {
        let sets = try matchingSets(parameters)
        return APIParameters.stringList(Set(sets.compactMap { $0[name] }).sorted())
    }

    private func matchingSets(_ parameters: FormParameters) throws -> [Labels] {
        let (start, end) = try APIParameters.window(parameters, now: clock.now())
        let selectors = parameters.all("match[]")
        if selectors.isEmpty {
            // Every series: a matcher that accepts any metric name.
            return try querier.labelSets(
                [try LabelMatcher(Labels.metricName, .matchRegex, ".+")], from: start, through: end)
        }
        return try selectors.flatMap {
            try querier.labelSets(try APIParameters.matchers($0), from: start, through: end)
        }
    }
}

/// Parsing of the API's parameters, with Prometheus's rules and messages.
enum APIParameters {
    static func required(_ parameters: FormParameters, _ name: String) throws -> String {
        guard let value = parameters[name], !value.isEmpty else {
            throw InfermonError.invalidArgument("missing parameter \"\(name)\"")
        }
        return value
    }

    /// Unix seconds with a fraction, or RFC 3339.
    static func time(_ text: String, name: String) throws -> Timestamp {
        if let seconds = Double(text), seconds.isFinite { return Timestamp((seconds * 1000).rounded()) }
        if let millis = TimeParsing.rfc3339Millis(text) { return millis }
        throw InfermonError.invalidArgument(
            "invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid timestamp")
    }

    /// Float seconds or a Prometheus duration, in milliseconds.
    static func duration(_ text: String, name: String) throws -> Int64 {
        if let seconds = Double(text), seconds.isFinite, seconds > 0 {
            return max(1, Int64((seconds * 1000).rounded()))
        }
        if let millis = TimeParsing.durationMillis(text), millis > 0 { return millis }
        throw InfermonError.invalidArgument(
            "invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid duration")
    }

    /// `start`/`end` for metadata endpoints; Prometheus defaults to all time, infermon to the retention window.
    static func window(_ parameters: FormParameters, now: Timestamp) throws -> (Timestamp, Timestamp) {
        let start = try parameters["start"].map { try time($0, name: "start") } ?? 0
        let end = try parameters["end"].map { try time($0, name: "end") } ?? now
        return (start, end)
    }

    /// The matchers of a series selector such as `up{job="x"}`.
    static func matchers(_ selector: String) throws -> [LabelMatcher] {
        guard case .selector(let vector) = try PromQL.parse(selector).unwrapped else {
            throw InfermonError.invalidArgument("invalid parameter \"match[]\": \(selector) is not a series selector")
        }
        return vector.matchers
    }

    static func labelsObject(_ labels: Labels) -> String {
        var out = "{"
        for (index, pair) in labels.pairs.enumerated() {
            if index > 0 { out += "," }
            writeJSONString(pair.name, to: &out)
            out += ":"
            writeJSONString(pair.value, to: &out)
        }
        return out + "}"
    }

    static func stringList(_ values: [String]) -> [UInt8] {
        var out = #"{"status":"success","data":["#
        for (index, value) in values.enumerated() {
            if index > 0 { out += "," }
            writeJSONString(value, to: &out)
        }
        return Array((out + "]}").utf8)
    }
}
