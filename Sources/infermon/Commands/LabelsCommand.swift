import ArgumentParser
import Collectors
import Foundation
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Quality
import Store

/// `infermon labels import FILE`: truth labels from a JSON-lines file into the
/// store, the offline twin of `POST /api/v1/labels` (same records, same join).
struct LabelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labels",
        abstract: "Load truth labels (gold verdicts, delayed ground truth) joined to events by request id.",
        subcommands: [Import.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import labels from a JSON-lines file (or a JSON array).",
            discussion: """
                Each record: {"request_id": "…", "name": "hallucinated", "value": true, "source": "human"}. \
                value may be a boolean, a number or a string; name defaults to quality.gold.label, source to \
                human. A label joins its event whether it comes before or after it; a later label with the \
                same request id, name and source replaces the earlier one.
                """)

        @OptionGroup var store: StoreOptionsGroup
        @Argument(help: ArgumentHelp("The label file; - reads standard input.", valueName: "file")) var file: String

        func run() async throws {
            LogSetup.bootstrap(level: store.logLevel, json: false)
            do {
                let configuration = try store.loadConfiguration()
                let bytes: [UInt8]
                if file == "-" {
                    bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
                } else {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw InfermonError.invalidArgument("cannot read \(file)")
                    }
                    bytes = Array(data)
                }
                let labels = try TruthLabelDecoder.decode(
                    bytes, naming: configuration.truthLabelNaming,
                    receivedAt: SystemWallClock().now())
                let stored = try await withConfiguredStore(configuration) { backend in
                    try await backend.qualityStore.recordLabels(labels)
                }
                print("imported \(stored) label(s) from \(file)")
            } catch {
                throw fail(error)
            }
        }
    }
}
