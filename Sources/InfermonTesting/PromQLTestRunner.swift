import InfermonCore
public import Query

extension PromQLTestScript {
    /// Runs every command against a fresh in-memory store and returns one message
    /// per failed expectation, as `file:line: what went wrong`; empty means passed.
    ///
    /// Like promqltest, each successful unordered instant evaluation is also run as
    /// a range query from one minute before to one minute after, and the middle
    /// step must give the same result: this checks the sliding-window code paths
    /// against the single-step ones.
    public func run(engine: QueryEngine = QueryEngine()) -> [String] {
        let store = InMemorySeriesStore()
        var failures: [String] = []
        for command in commands {
            switch command {
            case .clear:
                store.clear()
            case .load(let interval, let series, _):
                for (labels, values) in series {
                    let samples = values.enumerated().compactMap { index, value in
                        value.map { Sample(Int64(index) * interval, $0) }
                    }
                    store.add(labels, samples)
                }
            case .loadSketches(let interval, let series, _):
                for (labels, points) in series {
                    for (index, observations) in points.enumerated() {
                        guard let observations else { continue }
                        var sketch = QuantileSketch()
                        for value in observations { sketch.add(value) }
                        store.addSketch(labels, at: Int64(index) * interval, sketch)
                    }
                }
            case .eval(let eval):
                let location = "\(file):\(eval.line)"
                if let failure = Self.check(eval, engine: engine, store: store) {
                    failures.append("\(location): \(eval.expression): \(failure)")
                }
            }
        }
        return failures
    }

    private static func evaluate(_ eval: Eval, engine: QueryEngine, store: InMemorySeriesStore) throws -> QueryResult {
        switch eval.kind {
        case .instant(let time):
            return try engine.instant(eval.expression, at: time, querier: store, sketches: store)
        case .range(let start, let end, let step):
            return try engine.range(
                eval.expression, start: start, end: end, step: step, querier: store, sketches: store)
        }
    }

    private static func check(_ eval: Eval, engine: QueryEngine, store: InMemorySeriesStore) -> String? {
        let result: QueryResult
        do {
            result = try evaluate(eval, engine: engine, store: store)
        } catch {
            guard eval.expectFailure else { return "unexpected error: \(error)" }
            let message = (error as? InfermonError)?.message ?? "\(error)"
            if let expected = eval.failMessage, expected != message {
                return "expected error \"\(expected)\", got \"\(message)\""
            }
            if let pattern = eval.failPattern {
                guard let regex = try? Regex(pattern) else { return "bad expected_fail_regexp \(pattern)" }
                if !message.contains(regex) { return "error \"\(message)\" does not match /\(pattern)/" }
            }
            return nil
        }
        if eval.expectFailure { return "expected an error, got \(describe(result))" }
        if let mismatch = compare(result, eval) { return mismatch }
        guard case .instant(let time) = eval.kind, !eval.ordered else { return nil }
        // The same evaluation at the middle step of a range query.
        let ranged: QueryResult
        do {
            ranged = try engine.range(
                eval.expression, start: time - 60_000, end: time + 60_000, step: 60_000, querier: store,
                sketches: store)
        } catch {
            if case .string = result { return nil }
            if case .matrix = result { return nil }
            return "in range mode: unexpected error: \(error)"
        }
        guard case .matrix(let series) = ranged else { return nil }
        let middle = series.compactMap { item -> InstantSample? in
            item.samples.first { $0.timestamp == time }.map {
                InstantSample(labels: item.labels, timestamp: time, value: $0.value)
            }
        }
        switch result {
        case .scalar(let sample):
            guard middle.count == 1, almostEqual(middle[0].value, sample.value) else {
                return "in range mode: expected scalar \(sample.value), got \(middle)"
            }
        case .vector(let samples):
            if let mismatch = compareVectors(samples, middle, ordered: false) { return "in range mode: \(mismatch)" }
        default:
            break
        }
        return nil
    }

    private static func compare(_ result: QueryResult, _ eval: Eval) -> String? {
        switch result {
        case .scalar(let sample):
            guard eval.expected.count == 1, eval.expected[0].labels == nil, let value = eval.expected[0].values.first,
                let value
            else { return "unexpected scalar \(formatPrometheusFloat(sample.value))" }
            return almostEqual(value, sample.value)
                ? nil : "expected scalar \(formatPrometheusFloat(value)), got \(formatPrometheusFloat(sample.value))"
        case .string(let text, _):
            return "unexpected string result \"\(text)\""
        case .vector(let samples):
            var expected: [InstantSample] = []
            for (labels, values) in eval.expected {
                guard let labels, values.count == 1, let value = values[0] else {
                    return "expected lines must be `{labels} value` for a vector result"
                }
                expected.append(InstantSample(labels: labels, timestamp: 0, value: value))
            }
            return compareVectors(samples, expected, ordered: eval.ordered)
        case .matrix(let series):
            var byLabels: [Labels: [Double?]] = [:]
            for (labels, values) in eval.expected {
                guard let labels else { return "a matrix result needs `{labels} values…` lines" }
                byLabels[labels] = values
            }
            if Set(series.map(\.labels)) != Set(byLabels.keys) {
                return "expected series \(byLabels.keys.map(\.description).sorted()), got \(describe(result))"
            }
            for item in series {
                let want = byLabels[item.labels]!
                let got: [Double?]
                if case .range(let start, _, let step) = eval.kind {
                    var dense = [Double?](repeating: nil, count: want.count)
                    for sample in item.samples {
                        let index = Int((sample.timestamp - start) / step)
                        if index >= dense.count { dense += [Double?](repeating: nil, count: index - dense.count + 1) }
                        dense[index] = sample.value
                    }
                    got = dense
                } else {
                    got = item.samples.map(\.value)
                }
                let matches =
                    want.count == got.count
                    && zip(want, got).allSatisfy { pair in
                        switch pair {
                        case (nil, nil): return true
                        case (let a?, let b?): return almostEqual(a, b)
                        default: return false
                        }
                    }
                if !matches {
                    func text(_ values: [Double?]) -> String {
                        values.map { $0.map(formatPrometheusFloat) ?? "_" }.joined(separator: " ")
                    }
                    return "series \(item.labels): expected \(text(want)), got \(text(got))"
                }
            }
            return nil
        }
    }

    private static func compareVectors(_ got: [InstantSample], _ expected: [InstantSample], ordered: Bool) -> String? {
        let gotLabels = got.map(\.labels)
        let wantLabels = expected.map(\.labels)
        if Set(gotLabels) != Set(wantLabels) || gotLabels.count != wantLabels.count {
            return "expected \(describe(expected)), got \(describe(got))"
        }
        if ordered && gotLabels != wantLabels { return "expected order \(describe(expected)), got \(describe(got))" }
        let values = Dictionary(got.map { ($0.labels, $0.value) }, uniquingKeysWith: { a, _ in a })
        for sample in expected where !almostEqual(sample.value, values[sample.labels]!) {
            return "\(sample.labels): expected \(formatPrometheusFloat(sample.value)), "
                + "got \(formatPrometheusFloat(values[sample.labels]!))"
        }
        return nil
    }

    private static func describe(_ samples: [InstantSample]) -> String {
        "[" + samples.map { "\($0.labels) \(formatPrometheusFloat($0.value))" }.joined(separator: ", ") + "]"
    }

    private static func describe(_ result: QueryResult) -> String {
        switch result {
        case .scalar(let sample): return "scalar \(formatPrometheusFloat(sample.value))"
        case .string(let text, _): return "string \"\(text)\""
        case .vector(let samples): return describe(samples)
        case .matrix(let series):
            return "["
                + series.map { "\($0.labels) \($0.samples.map { formatPrometheusFloat($0.value) })" }
                .joined(separator: ", ") + "]"
        }
    }

    /// promqltest's comparison: relative error below 1e-6, NaN equal to NaN.
    static func almostEqual(_ a: Double, _ b: Double) -> Bool {
        if a.isNaN && b.isNaN { return true }
        if a == b { return true }
        let minNormal = Double.leastNormalMagnitude
        let absSum = abs(a) + abs(b)
        let difference = abs(a - b)
        if a == 0 || b == 0 || absSum < minNormal { return difference < 1e-6 * minNormal }
        return difference / min(absSum, .greatestFiniteMagnitude) < 1e-6
    }
}
