import Foundation
import InfermonCore
import Reports
import Testing

/// The Markdown report's structure, checked as a CommonMark/GFM reader would
/// see it: one title, the sections in order, and tables whose every row has
/// as many cells as the header, with the delimiter row in its place.
@Suite struct MarkdownReportTests {
    @Test func sectionsAndTablesAreWellFormed() async throws {
        let fixture = try await ReportFixture()
        let markdown = MarkdownReportRenderer.render(await fixture.report())
        let document = try MarkdownDocument(markdown)
        #expect(document.headings.filter { $0.level == 1 }.count == 1)
        #expect(
            document.headings.filter { $0.level == 2 }.map(\.text) == HTMLReportRenderer.sections.map(\.title))
        // Tables where the data is: summary, traffic, latency, cost, budgets, SLOs, drift, rate,
        // performance, the reliability bins, alerts, canaries.
        #expect(document.tables.count >= 12, "\(document.tables.map(\.header))")
        let drift = try #require(document.tables.first { $0.header.first == "model" && $0.header.contains("p-value") })
        #expect(drift.header.contains("effect size"))
        #expect(drift.rows.contains { $0[1] == "features.age" && $0[7] == "**drift**" })
        let canaries = try #require(document.tables.first { $0.header.first == "canary" })
        #expect(canaries.rows.count == 1)
        #expect(canaries.rows.first?[0] == "chat-v2" && canaries.rows.first?[3] == "promote")
        #expect(canaries.rows.first?[5] == "hold ×2, promote ×1")
        #expect(!markdown.contains("<svg") && !markdown.contains("<table"), "no HTML in the Markdown")
    }

    @Test func aQuietPeriodStillHasEverySection() async throws {
        let fixture = try await ReportFixture(withSeries: false)
        let markdown = MarkdownReportRenderer.render(await fixture.report())
        let document = try MarkdownDocument(markdown)
        #expect(document.headings.filter { $0.level == 2 }.count == HTMLReportRenderer.sections.count)
        #expect(markdown.contains("_No labels: performance and calibration need ground truth"))
        #expect(markdown.contains("_No canaries: no canary comparison ran in this period._"))
        // Every section has a body: a table, a sentence or a sub-heading.
        for (index, heading) in document.headings.enumerated() where heading.level == 2 {
            let next =
                document.headings.dropFirst(index + 1).first { $0.level <= 2 }?.line ?? document.lineCount
            #expect(next - heading.line > 2, "section \(heading.text) is empty")
        }
    }

    @Test func theParserRejectsABrokenTable() {
        #expect(throws: (any Error).self) { try MarkdownDocument("# t\n\n| a | b |\n| --- | --- |\n| 1 |\n") }
        #expect(throws: (any Error).self) { try MarkdownDocument("# t\n\n| a | b |\n| 1 | 2 |\n") }
    }
}

/// Just enough of a GFM reader to check structure: ATX headings and pipe tables.
struct MarkdownDocument {
    struct Heading {
        var level: Int
        var text: String
        var line: Int
    }

    struct Table {
        var header: [String]
        var rows: [[String]]
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    var headings: [Heading] = []
    var tables: [Table] = []
    var lineCount = 0

    init(_ text: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lineCount = lines.count
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("#") {
                let level = line.prefix { $0 == "#" }.count
                guard level <= 6, line.dropFirst(level).hasPrefix(" ") else {
                    throw Malformed(description: "line \(index + 1): not a heading: \(line)")
                }
                headings.append(Heading(level: level, text: String(line.dropFirst(level + 1)), line: index))
            } else if line.hasPrefix("|") {
                let header = try Self.cells(line, at: index)
                guard index + 1 < lines.count,
                    try Self.cells(lines[index + 1], at: index + 1).allSatisfy({
                        $0.allSatisfy { "-: ".contains($0) } && $0.contains("-")
                    })
                else { throw Malformed(description: "line \(index + 2): a table needs its delimiter row") }
                guard try Self.cells(lines[index + 1], at: index + 1).count == header.count else {
                    throw Malformed(description: "line \(index + 2): delimiter row width")
                }
                var rows: [[String]] = []
                index += 2
                while index < lines.count, lines[index].hasPrefix("|") {
                    let row = try Self.cells(lines[index], at: index)
                    guard row.count == header.count else {
                        throw Malformed(
                            description: "line \(index + 1): \(row.count) cells, header has \(header.count)")
                    }
                    rows.append(row)
                    index += 1
                }
                tables.append(Table(header: header, rows: rows))
                continue
            }
            index += 1
        }
    }

    /// The cells of `| a | b\|c |`: split on unescaped pipes, trimmed.
    static func cells(_ line: String, at index: Int) throws -> [String] {
        guard line.hasPrefix("|"), line.hasSuffix("|"), line.count >= 2 else {
            throw Malformed(description: "line \(index + 1): a table row starts and ends with |")
        }
        var cells: [String] = []
        var current = ""
        var escaped = false
        for character in line.dropFirst().dropLast() {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                current.append(character)
                escaped = true
            } else if character == "|" {
                cells.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(character)
            }
        }
        cells.append(current.trimmingCharacters(in: .whitespaces))
        return cells
    }
}
