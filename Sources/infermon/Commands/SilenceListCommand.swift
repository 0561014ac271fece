import ArgumentParser
import InfermonCore
import Notify

struct SilenceListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List silences (active and pending unless --state says otherwise)."
    )

    @OptionGroup var store: StoreOptionsGroup

    @Option(name: .long, help: ArgumentHelp("active, pending, expired or all.", valueName: "state"))
    var state: String?

    func run() async throws {
        do {
            let wanted: Set<Silence.State>
            switch state {
            case nil: wanted = [.active, .pending]
            case "all": wanted = Set(Silence.State.allCases)
            case let name?:
                guard let parsed = Silence.State(rawValue: name) else {
                    throw InfermonError.invalidArgument("--state must be active, pending, expired or all")
                }
                wanted = [parsed]
            }
            let now = SystemWallClock().now()
            let silences = try await withSilences(store) { try await $0.list() }
                .filter { wanted.contains($0.state(at: now)) }
            if silences.isEmpty { print("no silences") }
            for silence in silences { print(describe(silence, now: now)) }
        } catch {
            throw fail(error)
        }
    }
}
