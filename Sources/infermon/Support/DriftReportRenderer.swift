import Detectors
import InfermonCore

/// Renders drift results as an aligned table, Markdown or JSON.
enum DriftReportRenderer {
    static let headers = [
        "model", "field", "test", "statistic", "p-value", "threshold", "verdict", "ref n", "cur n", "moved most",
    ]

    static func render(_ results: [ModelDrift], format: DriftReportFormat) -> String {
        switch format {
        case .json: return json(results)
        case .table: return table(rows(results), markdown: false)
        case .markdown: return table(rows(results), markdown: true)
        }
    }

    static func rows(_ results: [ModelDrift]) -> [[String]] {
        var rows: [[String]] = []
        for model in results {
            for field in model.fields {
                let tested = field.isTested
                rows.append([
                    model.displayName, field.field, field.test.rawValue, tested ? number(field.statistic) : "-",
                    tested && !field.pValue.isNaN ? number(field.pValue) : "-", number(field.threshold),
                    field.verdict.rawValue, String(field.referenceCount), String(field.currentCount),
                    field.movedBins.map(describe).joined(separator: "; "),
                ])
            }
        }
        return rows
    }

    static func describe(_ bin: MovedBin) -> String {
        "\(bin.label) \(percent(bin.referenceShare))→\(percent(bin.currentShare))"
    }

    static func table(_ rows: [[String]], markdown: Bool) -> String {
        if markdown {
            var out = "| " + headers.joined(separator: " | ") + " |\n"
            out += "|" + headers.map { _ in "---" }.joined(separator: "|") + "|\n"
            for row in rows {
                out += "| " + row.map { $0.replacingPipes() }.joined(separator: " | ") + " |\n"
            }
            return out
        }
        var widths = headers.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            var text = ""
            for (index, cell) in cells.enumerated() {
                let pad = index == cells.count - 1 ? "" : String(repeating: " ", count: widths[index] - cell.count + 2)
                text += cell + pad
            }
            while text.hasSuffix(" ") { text.removeLast() }
            return text + "\n"
        }
        return line(headers) + rows.map(line).joined()
    }

    static func json(_ results: [ModelDrift]) -> String {
        var out = "["
        var first = true
        for model in results {
            for field in model.fields {
                if !first { out += "," }
                first = false
                out += "\n  {"
                out += "\"model\":"
                writeJSONString(model.model, to: &out)
                for (name, value) in model.labels.sorted(by: { $0.key < $1.key }) {
                    out += ","
                    writeJSONString(name, to: &out)
                    out += ":"
                    writeJSONString(value, to: &out)
                }
                out += ",\"field\":"
                writeJSONString(field.field, to: &out)
                out += ",\"test\":\"\(field.test.rawValue)\",\"statistic\":\(jsonNumber(field.statistic))"
                out +=
                    ",\"p_value\":\(jsonNumber(field.pValue)),\"adjusted_p_value\":\(jsonNumber(field.adjustedPValue))"
                out += ",\"threshold\":\(jsonNumber(field.threshold)),\"verdict\":\"\(field.verdict.rawValue)\""
                out += ",\"reference_count\":\(field.referenceCount),\"current_count\":\(field.currentCount)"
                out += ",\"moved_bins\":["
                out += field.movedBins.map { bin in
                    var text = "{\"bin\":"
                    writeJSONString(bin.label, to: &text)
                    return text
                        + ",\"reference_share\":\(jsonNumber(bin.referenceShare)),\"current_share\":\(jsonNumber(bin.currentShare))}"
                }.joined(separator: ",")
                out += "],\"scores\":{"
                out += field.allScores.keys.sorted().map { "\"\($0)\":\(jsonNumber(field.allScores[$0]!))" }.joined(
                    separator: ",")
                out += "}}"
            }
        }
        return out + (first ? "]\n" : "\n]\n")
    }

    static func jsonNumber(_ value: Double) -> String { value.isFinite ? formatJSONNumber(value) : "null" }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "-" : (value > 0 ? "inf" : "-inf") }
        if value != 0 && (abs(value) < 0.001 || abs(value) >= 1e6) {
            return formatScientific(value)
        }
        return String((value * 10_000).rounded() / 10_000)
    }

    static func formatScientific(_ value: Double) -> String {
        var exponent = Int((abs(value)).log10Floor)
        var mantissa = value / pow10(exponent)
        if abs(mantissa) >= 9.995 {
            exponent += 1
            mantissa /= 10
        }
        return "\((mantissa * 100).rounded() / 100)e\(exponent)"
    }

    static func pow10(_ exponent: Int) -> Double {
        var result = 1.0
        if exponent >= 0 { for _ in 0..<exponent { result *= 10 } } else { for _ in 0..<(-exponent) { result /= 10 } }
        return result
    }

    static func percent(_ share: Double) -> String { "\((share * 1000).rounded() / 10)%" }
}

extension Double {
    fileprivate var log10Floor: Double {
        var exponent = 0.0
        var value = self
        while value >= 10 {
            value /= 10
            exponent += 1
        }
        while value < 1 {
            value *= 10
            exponent -= 1
        }
        return exponent
    }
}

extension String {
    fileprivate func replacingPipes() -> String {
        split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
    }
}

extension ModelDrift {
    /// `chat` or, for a group, `chat{tenant=acme}`.
    var displayName: String {
        labels.isEmpty
            ? model
            : model + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                + "}"
    }
}
