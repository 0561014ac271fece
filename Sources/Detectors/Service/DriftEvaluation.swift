import InfermonCore

/// Drift of every field of every model between two sets of event columns. Used by
/// the scheduled service and by `infermon drift report` alike.
public struct ModelDrift: Sendable {
    /// The model, or `ModelDrift.allModels` for the traffic mix across models.
    public var model: String
    public var fields: [FieldDrift]

    public static let allModels = "*"
}

/// A reference window reduced to what the tests need: sorted samples and counts
/// per model. Built once and reused while the reference does not change, so the
/// reference is sorted once however many current windows it is compared with.
public struct ReferenceSamples: Sendable {
    public var samples: [String: [String: FieldSample]]
    public var eventsPerModel: [String: Int]

    public init(_ columns: [EventColumns], excluded: Set<String> = []) {
        var samples: [String: [String: FieldSample]] = [:]
        var events: [String: Int] = [:]
        for model in columns {
            samples[model.model] = FieldExtraction.samples(model, excluded: excluded)
            events[model.model, default: 0] += model.count
        }
        self.samples = samples
        self.eventsPerModel = events
    }
}

public enum DriftEvaluation {
    /// Compares each model present in `current` with the same model in `reference`,
    /// plus the share of traffic per model across all of them (field `model`).
    public static func compare(
        reference: [EventColumns], current: [EventColumns], settings: DriftSettings, excluded: Set<String> = []
    ) -> [ModelDrift] {
        compare(
            reference: ReferenceSamples(reference, excluded: excluded), current: current, settings: settings,
            excluded: excluded)
    }

    public static func compare(
        reference: ReferenceSamples, current: [EventColumns], settings: DriftSettings, excluded: Set<String> = []
    ) -> [ModelDrift] {
        var result: [ModelDrift] = []
        for columns in current.sorted(by: { $0.model < $1.model }) {
            let currentSamples = FieldExtraction.samples(columns, excluded: excluded)
            let referenceSamples = reference.samples[columns.model] ?? [:]
            var inputs: [DriftInput] = []
            for name in currentSamples.keys.sorted() {
                let currentSample = currentSamples[name]!
                let referenceSample = referenceSamples[name] ?? empty(like: currentSample)
                inputs.append(DriftInput(field: name, reference: referenceSample, current: currentSample))
            }
            result.append(ModelDrift(model: columns.model, fields: DriftDetector.evaluate(inputs, settings: settings)))
        }
        if !current.isEmpty && !excluded.contains("model") {
            let mixCurrent = Dictionary(current.map { ($0.model, $0.count) }, uniquingKeysWith: +)
            let input = DriftInput(
                field: "model", reference: .categorical(reference.eventsPerModel), current: .categorical(mixCurrent))
            result.append(
                ModelDrift(model: ModelDrift.allModels, fields: DriftDetector.evaluate([input], settings: settings)))
        }
        return result
    }

    static func empty(like sample: FieldSample) -> FieldSample {
        sample.isNumeric ? .numeric(SortedSample(sorted: [])) : .categorical([:])
    }
}
