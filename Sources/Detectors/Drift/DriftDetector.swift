import Dispatch
import InfermonCore

/// One field to compare.
public struct DriftInput: Sendable {
    public var field: String
    public var reference: FieldSample
    public var current: FieldSample

    public init(field: String, reference: FieldSample, current: FieldSample) {
        self.field = field
        self.reference = reference
        self.current = current
    }
}

/// Compares reference and current windows field by field.
///
/// A field is flagged when (1) its p-value survives Benjamini–Hochberg at
/// `alpha` across all fields of the evaluation, and (2) for distance tests, the
/// distance also reaches the effect floor. For KS and chi-square the p-value is
/// analytic; for distances it comes from the null distribution calibrated on the
/// reference (`NullCalibration`), so a distance that small samples produce by
/// chance is not called drift, and a large-sample distance below the floor is not
/// either, however significant.
public enum DriftDetector {
    public static func evaluate(_ inputs: [DriftInput], settings: DriftSettings = DriftSettings()) -> [FieldDrift] {
        var results = [FieldDrift?](repeating: nil, count: inputs.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let output = UnsafeSendableBuffer(buffer)
            DispatchQueue.concurrentPerform(iterations: inputs.count) { index in
                output.buffer[index] = evaluateField(inputs[index], settings: settings)
            }
        }
        var fields = results.map { $0! }
        let tested = fields.indices.filter { fields[$0].isTested }
        let adjusted = MultipleTesting.benjaminiHochberg(tested.map { fields[$0].pValue })
        for (position, index) in tested.enumerated() {
            var field = fields[index]
            field.adjustedPValue = adjusted[position]
            let significant = adjusted[position] <= settings.alpha
            let large = field.test.isPValueTest || field.statistic >= settings.floor(for: field.test)
            field.verdict = significant && large ? .drift : .noDrift
            fields[index] = field
        }
        return fields
    }

    /// The statistic, raw p-value and threshold of one field; the verdict is settled across fields.
    static func evaluateField(_ input: DriftInput, settings: DriftSettings) -> FieldDrift {
        let test = TestSelection.choose(
            field: input.field, reference: input.reference, current: input.current, settings: settings)
        var result = FieldDrift(
            field: input.field, test: test, statistic: .nan, pValue: .nan, adjustedPValue: .nan,
            threshold: test.isPValueTest ? settings.alpha : settings.floor(for: test), verdict: .noDrift,
            referenceCount: input.reference.count, currentCount: input.current.count, movedBins: [], allScores: [:])
        guard result.referenceCount >= settings.minimumSamples, result.currentCount >= settings.minimumSamples else {
            result.verdict = .notEnoughData
            return result
        }
        if Self.holdsOneValue(input.reference, input.current) {
            result.verdict = .notTestable
            return result
        }
        // A stable hash, so each field's resampling stream is the same on every run.
        var generator = SeededGenerator(seed: settings.seed ^ FNV1a.hash(input.field.utf8))
        let bins: BinnedShares
        var binCount: Int?
        switch (input.reference, input.current) {
        case (.numeric(let r), .numeric(let c)):
            bins = Binning.numeric(reference: r, current: c)
            if r.distinctCount > Binning.distinctValueLimit { binCount = bins.labels.count }
            let scan = TwoSampleScan.compare(r.values, c.values)
            if test == .ks || settings.computeAllScores {
                let ks = KolmogorovSmirnov.test(r, c, method: settings.ksMethod, maxGap: scan.maxGap)
                result.allScores["ks"] = ks.statistic
                result.allScores["ks_pvalue"] = ks.pValue
                if test == .ks {
                    result.statistic = ks.statistic
                    result.pValue = ks.pValue
                }
            }
            if test == .wasserstein || settings.computeAllScores {
                result.allScores["wasserstein"] =
                    settings.wassersteinTrim > 0
                    ? DriftStatistics.trimmedWasserstein(reference: r, current: c, trim: settings.wassersteinTrim)
                    : scan.wasserstein / max(r.standardDeviation, 0.001)
            }
        case (.categorical(let r), .categorical(let c)):
            bins = Binning.categorical(reference: r, current: c)
        default:
            result.verdict = .notEnoughData
            return result
        }
        result.movedBins = DriftStatistics.movedBins(bins)
        if test == .chiSquare || settings.computeAllScores {
            let chi = ChiSquare.homogeneity(reference: bins.referenceCounts, current: bins.currentCounts)
            result.allScores["chisquare"] = chi.statistic
            result.allScores["chisquare_pvalue"] = chi.pValue
            if test == .chiSquare {
                result.statistic = chi.statistic
                result.pValue = chi.pValue
            }
        }
        if test == .psi || settings.computeAllScores { result.allScores["psi"] = DriftStatistics.psi(bins) }
        if test == .jensenShannon || settings.computeAllScores {
            result.allScores["jensenshannon"] = DriftStatistics.jensenShannon(bins)
        }
        guard !test.isPValueTest else { return result }
        result.statistic = result.allScores[test.rawValue] ?? .nan
        if settings.bootstrapReplicates > 1 {
            let null = NullCalibration.model(
                test: test, reference: input.reference, currentCount: result.currentCount, binCount: binCount,
                trim: settings.wassersteinTrim, replicates: settings.bootstrapReplicates, cap: settings.calibrationCap,
                generator: &generator)
            result.pValue = null.pValue(result.statistic)
            result.threshold = max(settings.floor(for: test), null.quantile(exceeded: settings.alpha))
        } else {
            result.pValue = result.statistic >= settings.floor(for: test) ? 0 : 1
        }
        return result
    }
}

extension DriftDetector {
    /// Whether both samples together hold a single value.
    static func holdsOneValue(_ reference: FieldSample, _ current: FieldSample) -> Bool {
        switch (reference, current) {
        case (.numeric(let r), .numeric(let c)):
            return r.distinctCount == 1 && c.distinctCount == 1 && r.values.first == c.values.first
        case (.categorical(let r), .categorical(let c)):
            var seen: Set<String> = []
            for (value, count) in r where count > 0 { seen.insert(value) }
            for (value, count) in c where count > 0 { seen.insert(value) }
            return seen.count <= 1
        default:
            return false
        }
    }
}

/// Lets `concurrentPerform` write disjoint slots of one buffer.
struct UnsafeSendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}

/// Benjamini–Hochberg control of the false discovery rate across the fields of
/// one evaluation. Under the global null (nothing drifted) it also bounds the
/// chance of any alarm by the level, which is what the false-alarm target needs
/// when one window tests dozens of fields.
public enum MultipleTesting {
    /// Adjusted p-values (q-values) in input order; NaN inputs stay NaN and do not count.
    public static func benjaminiHochberg(_ pValues: [Double]) -> [Double] {
        let valid = pValues.indices.filter { !pValues[$0].isNaN }
        let m = Double(valid.count)
        guard !valid.isEmpty else { return pValues }
        let order = valid.sorted { pValues[$0] < pValues[$1] }
        var adjusted = pValues
        var running = 1.0
        for rank in stride(from: order.count, through: 1, by: -1) {
            let index = order[rank - 1]
            running = min(running, pValues[index] * m / Double(rank))
            adjusted[index] = min(running, 1)
        }
        return adjusted
    }
}
