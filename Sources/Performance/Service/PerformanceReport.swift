public import InfermonCore

/// `infermon performance report` as text or JSON: per model and window, the
/// realised metrics, calibration, label coverage and, where labels are still
/// missing, the CBPE estimate with its interval next to the realised value.
public enum PerformanceReport {
    public static func json(_ windows: [WindowPerformance]) -> String {
        var models: [String: [WindowPerformance]] = [:]
        for window in windows { models[window.model, default: []].append(window) }
        var out = #"{"models":["#
        for (index, (model, rows)) in models.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { out += "," }
            out += #"{"model":\#(quote(model)),"task":\#(quote(rows[0].task.kind.rawValue)),"windows":["#
            out += rows.map(windowJSON).joined(separator: ",")
            out += "]}"
        }
        return out + "]}"
    }

    static func windowJSON(_ window: WindowPerformance) -> String {
        var fields = [
            #""start":\#(window.start)"#, #""end":\#(window.end)"#, #""predictions":\#(window.predictions)"#,
            #""labelled":\#(window.labelled)"#,
        ]
        let metrics = window.realised.map { #"\#(quote($0.0)):\#(number($0.1))"# }
        fields.append(#""metrics":{\#(metrics.joined(separator: ","))}"#)
        let estimated = window.estimated.sorted { $0.key < $1.key }.map {
            #"\#(quote($0.key)):{"lower":\#(number($0.value.lower)),"estimate":\#(number($0.value.estimate)),"upper":\#(number($0.value.upper))}"#
        }
        fields.append(#""estimated":{\#(estimated.joined(separator: ","))}"#)
        if let calibration = window.calibration {
            let bins = calibration.bins.map {
                #"{"upper":\#(number($0.upper)),"predicted":\#(number($0.predicted)),"observed":\#(number($0.observed)),"events":\#($0.events)}"#
            }
            fields.append(
                #""calibration":{"ece":\#(number(calibration.ece)),"ece_lower":\#(number(calibration.eceLower)),"ece_upper":\#(number(calibration.eceUpper)),"brier":\#(number(calibration.brier)),"bins":[\#(bins.joined(separator: ","))]}"#
            )
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    public static func text(_ windows: [WindowPerformance]) -> String {
        guard !windows.isEmpty else { return "no predictions in the period\n" }
        var out = ""
        var model = ""
        for window in windows {
            if window.model != model {
                model = window.model
                out += "\nmodel \(model) (\(window.task.kind.rawValue))\n"
                out +=
                    window.task.kind == .regression
                    ? pad(["window start", "preds", "labelled", "mae", "rmse", "mape"])
                    : pad([
                        "window start", "preds", "labelled", "accuracy", "f1", "roc_auc", "log_loss", "ece [95% CI]",
                        "brier", "est. accuracy [±3σ]",
                    ])
            }
            let realised = Dictionary(window.realised, uniquingKeysWith: { first, _ in first })
            func cell(_ name: String) -> String { realised[name].map { fixed($0) } ?? "-" }
            var cells = [TimeParsing.formatRFC3339(window.start), "\(window.predictions)", "\(window.labelled)"]
            if window.task.kind == .regression {
                cells += [cell("mae"), cell("rmse"), cell("mape")]
            } else {
                cells += [cell("accuracy"), cell("f1"), cell("roc_auc"), cell("log_loss")]
                cells.append(
                    window.calibration.map {
                        "\(fixed($0.ece)) [\(fixed($0.eceLower)), \(fixed($0.eceUpper))]"
                    } ?? "-")
                cells.append(cell("brier"))
                cells.append(
                    window.estimated["accuracy"].map {
                        "\(fixed($0.estimate)) [\(fixed($0.lower)), \(fixed($0.upper))]"
                    } ?? "-")
            }
            out += pad(cells)
        }
        return out
    }

    static func pad(_ cells: [String]) -> String {
        let widths = [20, 7, 9, 9, 7, 8, 9, 24, 7, 26]
        var line = ""
        for (index, cell) in cells.enumerated() {
            let width = index < widths.count ? widths[index] : 10
            line += cell + String(repeating: " ", count: max(1, width - cell.count))
        }
        while line.hasSuffix(" ") { line.removeLast() }
        return line + "\n"
    }

    static func fixed(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let scaled = (value * 10_000).rounded() / 10_000
        var text = String(scaled)
        if let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 5 {
            text = String(text[..<text.index(dot, offsetBy: 5)])
        }
        return text
    }

    static func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 {
                    out +=
                        "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
