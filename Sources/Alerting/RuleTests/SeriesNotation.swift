public import InfermonCore
import Query
import Templates

/// The expanding notation of promtool's `input_series` values: `a+bxn` is
/// n+1 values a, a+b, …; `a-bxn` counts down; `axn` repeats a; `_` is no
/// sample, `_xn` n of them; `stale` is a staleness marker. Values are added
/// up step by step, as Prometheus does, so `0.1+0.1x10` ends at
/// 1.0999999999999999 exactly as in promtool.
public enum SeriesNotation {
    /// One value per interval; nil where there is no sample.
    public static func expand(_ text: String) throws -> [Double?] {
        var values: [Double?] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init) {
            let failure = InfermonError.invalidInput("bad series value \"\(word)\" in \"\(text)\"")
            if word == "_" {
                values.append(nil)
            } else if word.hasPrefix("_x") {
                guard let count = Int(word.dropFirst(2)), count >= 0 else { throw failure }
                values += [Double?](repeating: nil, count: count)
            } else if word == "stale" {
                values.append(Sample.staleNaN)
            } else if let times = word.lastIndex(of: "x") {
                guard let count = Int(word[word.index(after: times)...]), count >= 0 else { throw failure }
                let head = Array(word[..<times])
                // The step's sign is the first + or - that is not a leading sign or part of an exponent.
                let split = head.indices.dropFirst().first { index in
                    (head[index] == "+" || head[index] == "-") && head[index - 1].lowercased() != "e"
                }
                guard let start = parsePrometheusFloat(String(head[..<(split ?? head.count)])) else { throw failure }
                var step = 0.0
                if let split {
                    guard let parsed = parsePrometheusFloat(String(head[split...])) else { throw failure }
                    step = parsed
                }
                var value = start
                for _ in 0...count {
                    values.append(value)
                    value += step
                }
            } else {
                guard let value = parsePrometheusFloat(word) else { throw failure }
                values.append(value)
            }
        }
        return values
    }

    /// A series descriptor such as `metric{a="b"}` or `{__name__="x"}`.
    public static func labels(_ text: String) throws -> Labels {
        let trimmed = text.trimmingASCIISpace()
        if trimmed == "{}" { return Labels() }
        guard case .selector(let selector) = try PromQL.parse(trimmed).unwrapped, selector.offset == 0,
            selector.matchers.allSatisfy({ $0.op == .equal })
        else { throw InfermonError.invalidInput("expected a series like metric{label=\"value\"}: \(text)") }
        return Labels(selector.matchers.map { Label($0.name, $0.value) })
    }
}
