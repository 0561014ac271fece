import InfermonCore

/// Drift of every field of every model between two sets of event columns. Used by
/// the scheduled service and by `infermon drift report` alike.
public struct ModelDrift: Sendable {
    /// The model, or `ModelDrift.allModels` for the traffic mix across models.
    public var model: String
    public var fields: [FieldDrift]

    public static let allModels = "*"
}

public enum DriftEvaluation {
    /// Compares each model present in `current` with the same model in `reference`,
    /// plus the share of traffic per model across all of them (field `model`).
    public static func compare(
        reference: [EventColumns], current: [EventColumns], settings: DriftSettings, excluded: Set<String> = []
    ) -> [ModelDrift] {
        let referenceByModel = Dictionary(reference.map { ($0.model, $0) }, uniquingKeysWith: { first, _ in first })
        var result: [ModelDrift] = []
        for columns in current.sorted(by: { $0.model < $1.model }) {
            let currentSamples = FieldExtraction.samples(columns, excluded: excluded)
            let referenceSamples =
                referenceByModel[columns.model].map { FieldExtraction.samples($0, excluded: excluded) } ?? [:]
            var inputs: [DriftInput] = []
            for name in currentSamples.keys.sorted() {
                let currentSample = currentSamples[name]!
                let referenceSample = referenceSamples[name] ?? empty(like: currentSample)
                inputs.append(DriftInput(field: name, reference: referenceSample, current: currentSample))
            }
            result.append(ModelDrift(model: columns.model, fields: DriftDetector.evaluate(inputs, settings: settings)))
        }
        if current.count + reference.count > 0 && !excluded.contains("model") {
            let mixReference = Dictionary(reference.map { ($0.model, $0.count) }, uniquingKeysWith: +)
            let mixCurrent = Dictionary(current.map { ($0.model, $0.count) }, uniquingKeysWith: +)
            let input = DriftInput(
                field: "model", reference: .categorical(mixReference), current: .categorical(mixCurrent))
            result.append(
                ModelDrift(model: ModelDrift.allModels, fields: DriftDetector.evaluate([input], settings: settings)))
        }
        return result
    }

    static func empty(like sample: FieldSample) -> FieldSample {
        sample.isNumeric ? .numeric(SortedSample(sorted: [])) : .categorical([:])
    }
}
