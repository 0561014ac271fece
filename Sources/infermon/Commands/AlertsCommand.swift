import ArgumentParser
import Foundation
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Logging
import Server
import Store

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `infermon alerts`: the pending and firing alerts of a running daemon, read
/// from its `/api/v1/alerts`. When no daemon answers (and no --server was
/// given), the alert states the daemon last stored are shown instead.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List active alerts (firing and pending).",
        discussion: """
            Asks the daemon at --server (default: server.listen of the configuration). Without --server, \
            a daemon that does not answer is not an error: the alert states it last stored are listed.
            """
    )

    @OptionGroup var store: StoreOptionsGroup

    @Option(name: .long, help: ArgumentHelp("The daemon's base URL, such as http://127.0.0.1:9464.", valueName: "url"))
    var server: String?

    @Option(
        name: .long, help: ArgumentHelp("File with the bearer token, when the daemon requires one.", valueName: "file"))
    var tokenFile: String?

    @Flag(name: .long, help: "Print the API's JSON as it came.") var json = false

    func run() async throws {
        do {
            let configuration = try store.loadConfiguration()
            let base = server ?? "http://" + configuration.server.listen
            let token = try (tokenFile ?? configuration.server.tokenFile).map { try StartupCheck.readToken(path: $0) }
            let body: Data
            do {
                body = try await fetch(base + "/api/v1/alerts", token: token)
            } catch  where server == nil {
                try await printStored(configuration, reason: "\(error)")
                return
            }
            if json {
                print(String(decoding: body, as: UTF8.self))
                return
            }
            let alerts = try Self.decode(body)
            if alerts.isEmpty { print("no active alerts") }
            let now = SystemWallClock().now()
            for alert in alerts { print(Self.describe(alert, now: now)) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            throw fail(error)
        }
    }

    private func fetch(_ url: String, token: String?) async throws -> Data {
        guard let address = URL(string: url) else { throw InfermonError.invalidArgument("\(url) is not a URL") }
        var request = URLRequest(url: address)
        request.timeoutInterval = 10
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            throw InfermonError.unavailable(
                "\(url) answered \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        }
        return data
    }

    struct Listed {
        var labels: [String: String]
        var annotations: [String: String]
        var state: String
        var activeAt: Timestamp?
        var value: String
    }

    static func decode(_ body: Data) throws -> [Listed] {
        guard let root = try JSONSerialization.jsonObject(with: body) as? [String: Any],
            let data = root["data"] as? [String: Any], let alerts = data["alerts"] as? [[String: Any]]
        else { throw InfermonError.invalidInput("the server's answer is not a Prometheus alerts response") }
        return alerts.map { alert in
            Listed(
                labels: alert["labels"] as? [String: String] ?? [:],
                annotations: alert["annotations"] as? [String: String] ?? [:], state: alert["state"] as? String ?? "",
                activeAt: (alert["activeAt"] as? String).flatMap(TimeParsing.rfc3339Millis),
                value: alert["value"] as? String ?? "")
        }
    }

    static func describe(_ alert: Listed, now: Timestamp) -> String {
        let name = alert.labels["alertname"] ?? ""
        let others = alert.labels.filter { $0.key != "alertname" }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\"\(escapeLabelValue($0.value))\"" }.joined(separator: ", ")
        var line = alert.state.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0) + " " + name
        if !others.isEmpty { line += " {\(others)}" }
        if let activeAt = alert.activeAt {
            line +=
                "  active since \(TimeParsing.formatRFC3339(activeAt)) (for \(TimeParsing.formatDuration(max(0, now - activeAt) / 1000 * 1000)))"
        }
        // The API writes values as Prometheus does (`4.07552e+01`); people read `40.7552`.
        if !alert.value.isEmpty { line += "  value \(Double(alert.value).map(formatJSONNumber) ?? alert.value)" }
        for key in ["summary", "description"] where alert.annotations[key] != nil {
            line += "\n    \(key): \(alert.annotations[key]!)"
        }
        return line
    }

    /// The daemon is not answering: show what it last stored.
    private func printStored(_ configuration: Configuration, reason: String) async throws {
        LogSetup.bootstrap(level: store.logLevel, json: false)
        let states = try await withConfiguredStore(configuration) { backend in
            try await backend.store.alertStates().filter { $0.state != .inactive }
        }
        printError("infermon: no daemon answered (\(reason)); showing the alert states it last stored")
        if states.isEmpty { print("no active alerts") }
        let now = SystemWallClock().now()
        for state in states {
            let listed = Listed(
                labels: state.labels.dictionary, annotations: state.annotations, state: state.state.rawValue,
                activeAt: state.activeAt, value: "")
            print(Self.describe(listed, now: now))
        }
    }
}
