import ArgumentParser
import InfermonCore
import Notify

struct SilenceExpireCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "expire",
        abstract: "End silences now."
    )

    @OptionGroup var store: StoreOptionsGroup

    @Argument(help: ArgumentHelp("Ids printed by `silence add` or `silence list`.", valueName: "id"))
    var ids: [String]

    func run() async throws {
        do {
            try await withSilences(store) { silences in
                for id in ids {
                    try await silences.expire(id: id)
                    print("expired \(id)")
                }
            }
        } catch {
            throw fail(error)
        }
    }
}
