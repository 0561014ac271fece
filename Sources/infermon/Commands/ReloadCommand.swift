import ArgumentParser
import InfermonCore
import NIOHTTP1

struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Make a running daemon re-read its configuration, rules, pricing and dashboards.",
        discussion: """
            Everything is validated first; on any error the daemon keeps its old configuration and this \
            command prints the error with file:line:col and exits non-zero. Under systemd, \
            `systemctl reload infermon` does the same with SIGHUP.
            """
    )

    @Option(help: ArgumentHelp("The daemon's address.", valueName: "url")) var server = "http://127.0.0.1:9464"
    @Option(help: ArgumentHelp("File with the bearer token (reload is a write endpoint).", valueName: "file"))
    var tokenFile: String?

    func run() async throws {
        do {
            let client = try DaemonClient(server: server, tokenFile: tokenFile)
            let (status, body) = try await client.request(.POST, "/-/reload")
            let text = String(decoding: body, as: UTF8.self)
            guard status == 200 else {
                throw InfermonError.invalidInput("reload refused (HTTP \(status)): \(text)")
            }
            print("configuration reloaded")
        } catch {
            throw fail(error)
        }
    }
}
