import ArgumentParser
import Foundation
import InfermonConfig
import InfermonCore
import InfermonDaemon
import Logging
import Store

struct SQLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run a read-only SQL query against the store.",
        discussion: """
            The connection is read-only: writes, schema changes, ATTACH and pragmas that change state are \
            refused. On PostgreSQL (storage.backend: postgres) the statement runs in a READ ONLY transaction \
            with statement_timeout = --timeout, and is rolled back. The tables are documented in the README \
            (Storage, PostgreSQL). Examples:
              infermon sql "SELECT k.model, count(*), avg(e.latency) FROM events e JOIN event_keys k ON k.id = e.key_id GROUP BY 1"
              infermon sql --format csv "SELECT location, line, reason FROM dead_letters ORDER BY id DESC LIMIT 20"
            """
    )

    @Argument(help: ArgumentHelp("A SELECT statement.", valueName: "sql")) var sql: String
    @Option(help: ArgumentHelp("Output: table, csv or json.", valueName: "format")) var format: OutputFormat = .table
    @Option(help: ArgumentHelp("Rows returned at most.", valueName: "n")) var limit = 10_000
    @Option(help: ArgumentHelp("Time limit in seconds.", valueName: "seconds")) var timeout = 30
    @OptionGroup var store: StoreOptionsGroup

    func run() async throws {
        LogSetup.bootstrap(level: store.logLevel, json: false)
        let result: SQLResult
        do {
            let configuration = try store.loadConfiguration()
            result = try await StoreBackend.readOnlySQL(
                config: configuration, environment: processEnvironment, sql: sql, rowLimit: limit,
                timeoutMillis: Int64(timeout) * 1000)
        } catch {
            throw fail(error)
        }
        switch format {
        case .csv:
            print(result.columns.map(csvField).joined(separator: ","))
            for row in result.rows { print(row.map { csvField($0.description) }.joined(separator: ",")) }
        case .json:
            var out = "["
            for (index, row) in result.rows.enumerated() {
                if index > 0 { out += ",\n " }
                out += "{"
                for (position, cell) in zip(result.columns, row).enumerated() {
                    if position > 0 { out += "," }
                    writeJSONString(cell.0, to: &out)
                    out += ":"
                    switch cell.1 {
                    case .null: out += "null"
                    case .integer(let number): out += String(number)
                    case .real(let number): out += formatJSONNumber(number)
                    default: writeJSONString(cell.1.description, to: &out)
                    }
                }
                out += "}"
            }
            print(out + "]")
        case .table:
            let widths = result.columns.indices.map { column in
                min(60, max(result.columns[column].count, result.rows.map { $0[column].description.count }.max() ?? 0))
            }
            func line(_ cells: [String]) -> String {
                zip(cells, widths).map { cell, width in
                    let clipped = cell.count > width ? String(cell.prefix(width - 1)) + "…" : cell
                    return clipped.padding(toLength: width, withPad: " ", startingAt: 0)
                }.joined(separator: "  ")
            }
            print(line(result.columns))
            print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
            for row in result.rows { print(line(row.map(\.description))) }
        }
        if result.truncated { printError("infermon: output cut at \(limit) rows (--limit)") }
    }

    private func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }
}
