import ArgumentParser
import Dashboard
import InfermonCore
import InfermonDaemon
import Logging
import Store

#if canImport(Glibc)
    import Glibc
#endif

struct DashCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dash",
        abstract: "Full-screen terminal dashboard over a running daemon or a store file.",
        discussion: """
            Dashboards are the YAML files in --dir (default: $INFERMON_DASHBOARDS, ./dashboards, \
            /usr/share/infermon/dashboards). Keys: q/Esc quit, Tab/Shift-Tab next/previous dashboard, \
            +/- widen/narrow the range, r refresh (and re-read the dashboard files), p pause, arrows select a panel, Enter zoom, ? help. \
            NO_COLOR turns colour off; a non-UTF-8 locale draws with ASCII.
            """
    )

    @Option(help: ArgumentHelp("Dashboard to start with: a name (overview) or a file.", valueName: "name|file"))
    var dashboard: String?

    @Option(help: ArgumentHelp("Directory of dashboard files.", valueName: "dir"))
    var dir: String?

    @Option(help: ArgumentHelp("A running daemon's base URL (default http://127.0.0.1:9464).", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("Read a store file directly instead of a daemon.", valueName: "path"))
    var db: String?

    @Option(help: ArgumentHelp("File holding the bearer token, for a daemon beyond loopback.", valueName: "file"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("Time range shown (+/- change it).", valueName: "duration"))
    var range = "1h"

    @Option(help: ArgumentHelp("How often to refresh.", valueName: "duration"))
    var refresh = "5s"

    @Option(name: .customLong("var"), help: ArgumentHelp("Set a dashboard variable.", valueName: "name=value"))
    var variables: [String] = []

    @Flag(help: "Render one frame to standard output and exit.")
    var once = false

    @Option(help: ArgumentHelp("Columns for --once.", valueName: "n")) var width = 120
    @Option(help: ArgumentHelp("Rows for --once.", valueName: "n")) var height = 40

    @Flag(help: "With --once, keep colours (SGR escape codes) in the output.")
    var color = false

    @Flag(help: "Draw with ASCII only, whatever the locale says.")
    var ascii = false

    func validate() throws {
        if server != nil && db != nil { throw ValidationError("use either --server or --db, not both") }
        guard TimeParsing.durationMillis(range).map({ $0 > 0 }) == true else {
            throw ValidationError("--range needs a duration such as 1h")
        }
        guard TimeParsing.durationMillis(refresh).map({ $0 >= 100 }) == true else {
            throw ValidationError("--refresh needs a duration of at least 100ms")
        }
        for variable in variables where !variable.contains("=") {
            throw ValidationError("--var takes name=value, got \"\(variable)\"")
        }
        if once && (width < 20 || height < 5) { throw ValidationError("--width and --height are at least 20 and 5") }
    }

    func run() async throws {
        // Log lines would scribble over the screen: only errors, and only after the screen is gone.
        LogSetup.bootstrap(level: once ? "error" : "critical", json: false)
        let environment = processEnvironment
        let overrides = Dictionary(
            variables.map { entry -> (String, String) in
                let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }, uniquingKeysWith: { $1 })
        let loaded: (dashboards: [DashboardSpec], start: Int)
        let source: any DashboardDataSource
        var store: SQLiteStore? = nil
        var http: HTTPDataSource? = nil
        do {
            loaded = try DashboardLibrary.resolve(selection: dashboard, directory: dir, environment: environment)
            if let db {
                guard access(db, R_OK) == 0 else { throw InfermonError.io("cannot read store \(db)") }
                let opened = try SQLiteStore(path: db, logger: Logger(label: "infermon.store"))
                store = opened
                source = LocalDataSource(
                    label: "db \(db)", querier: opened, sketches: opened, notificationLog: opened)
            } else {
                let token = try tokenFile.map { try StartupCheck.readToken(path: $0) }
                let client = try HTTPDataSource(baseURL: server ?? "http://127.0.0.1:9464", token: token)
                http = client
                source = client
            }
        } catch {
            throw fail(error)
        }
        defer { store?.close() }
        let state = DashboardState(
            dashboards: loaded.dashboards, current: loaded.start, range: TimeParsing.durationMillis(range)!,
            refreshInterval: .milliseconds(TimeParsing.durationMillis(refresh)!), overrides: overrides,
            sourceLabel: source.label)
        var runner = DashboardRunner(
            fetcher: PanelFetcher(source: source), clock: SystemWallClock(),
            glyphs: ascii ? .ascii : Glyphs.from(environment: environment),
            colorMode: ColorMode.from(environment: environment))
        // Test hook: the end-to-end test crashes the dashboard with this key.
        runner.crashKey = environment["INFERMON_DASH_TEST_CRASH_KEY"].flatMap { $0.unicodeScalars.first }
        runner.reloadDashboards = { [dashboard, dir, environment] in
            try DashboardLibrary.resolve(selection: dashboard, directory: dir, environment: environment).dashboards
        }
        var failure: (any Error)? = nil
        if once {
            let screen = await runner.renderOnce(state, width: width, height: height)
            print(
                color ? ScreenDiff(colorMode: runner.colorMode).styledText(screen) : screen.text + "\n", terminator: "")
        } else {
            do {
                try await runner.run(state)
            } catch {
                failure = error
            }
        }
        try? await http?.shutdown()
        if let failure { throw fail(failure) }
    }
}
