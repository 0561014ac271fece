import ArgumentParser
import Foundation
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Logging
import Query
import Server
import Store

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Evaluate a PromQL expression against the store or a running daemon.",
        discussion: """
            Without --start/--end/--step or --range, evaluates an instant query (at --time, default now). \
            With --range 6h (or --start and --end), a range query at --step (default: range / 120). \
            Times: RFC 3339, Unix seconds, now, or now-<duration> such as now-2h. \
            Examples:
              infermon query 'sum by (model) (rate(infermon_requests_total[5m]))'
              infermon query --range 6h --step 5m 'histogram_quantile(0.99, sum by (le) (rate(infermon_request_duration_seconds_bucket[5m])))'
              infermon query --server http://127.0.0.1:9464 --format json 'up'
            """
    )

    @Argument(help: ArgumentHelp("The PromQL expression.", valueName: "expr")) var expression: String
    @Option(help: ArgumentHelp("Evaluation time of an instant query.", valueName: "time")) var time: String?
    @Option(help: ArgumentHelp("Start of a range query.", valueName: "time")) var start: String?
    @Option(help: ArgumentHelp("End of a range query (default now).", valueName: "time")) var end: String?
    @Option(help: ArgumentHelp("Resolution of a range query, e.g. 1m, 30s or 60 (seconds).", valueName: "duration"))
    var step: String?
    @Option(help: ArgumentHelp("Range query over the last <duration>, e.g. 6h.", valueName: "duration")) var range:
        String?
    @Option(help: ArgumentHelp("Output: table, json (the Prometheus API's) or csv.", valueName: "format")) var format:
        OutputFormat = .table
    @Option(help: ArgumentHelp("A running daemon to ask instead of opening the store.", valueName: "url")) var server:
        String?
    @Option(help: ArgumentHelp("Bearer token file for --server.", valueName: "file")) var tokenFile: String?
    @OptionGroup var store: StoreOptionsGroup

    func run() async throws {
        LogSetup.bootstrap(level: store.logLevel, json: false)
        do {
            let now = SystemWallClock().now()
            let plan = try QueryPlan(
                instantAt: time, start: start, end: end, step: step, range: range, now: now)
            let result: QueryResult
            if let server {
                result = try await RemoteQuery(client: DaemonClient(server: server, tokenFile: tokenFile)).run(
                    expression, plan)
            } else {
                let configuration = try store.loadConfiguration()
                let limits = configuration.server.queryLimits
                result = try await withConfiguredStore(configuration) { backend in
                    let database = backend.store
                    switch plan {
                    case .instant(let at):
                        return try QueryEngine().instant(
                            expression, at: at, querier: database, sketches: database, limits: limits)
                    case .range(let from, let to, let resolution):
                        return try QueryEngine().range(
                            expression, start: from, end: to, step: resolution, querier: database,
                            sketches: database, limits: limits)
                    }
                }
            }
            print(ResultFormatter.render(result, as: format), terminator: "")
        } catch {
            throw fail(error)
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

/// Instant or range, resolved from the command-line times.
enum QueryPlan {
    case instant(Timestamp)
    case range(start: Timestamp, end: Timestamp, step: Int64)

    init(instantAt: String?, start: String?, end: String?, step: String?, range: String?, now: Timestamp) throws {
        if start == nil && range == nil {
            guard end == nil, step == nil else {
                throw InfermonError.invalidArgument("--end and --step need --start or --range")
            }
            self = .instant(try instantAt.map { try parseCommandTime($0, now: now) } ?? now)
            return
        }
        guard instantAt == nil else {
            throw InfermonError.invalidArgument("--time is for instant queries; use --start/--end")
        }
        let to = try end.map { try parseCommandTime($0, now: now) } ?? now
        let from: Timestamp
        if let range {
            guard let length = TimeParsing.durationMillis(range) else {
                throw InfermonError.invalidArgument("--range must be a duration such as 6h")
            }
            from = to - length
        } else {
            from = try parseCommandTime(start!, now: now)
        }
        guard to > from else { throw InfermonError.invalidArgument("the range ends before it starts") }
        let resolution =
            try step.map { text -> Int64 in
                // Plain seconds as well, as the HTTP API's `step=60` takes them.
                let seconds = Double(text).flatMap { $0.isFinite && $0 < 1e12 ? $0 : nil }
                guard let millis = TimeParsing.durationMillis(text) ?? seconds.map({ Int64($0 * 1000) }), millis > 0
                else {
                    throw InfermonError.invalidArgument("--step must be a duration such as 1m, or seconds such as 60")
                }
                return millis
            } ?? max(1000, (to - from) / 120)
        self = .range(start: from, end: to, step: resolution)
    }
}
