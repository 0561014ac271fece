public import InfermonCore

/// Drift of every field of every model between two sets of event columns. Used by
/// the scheduled service and by `infermon drift report` alike.
public struct ModelDrift: Sendable {
    /// The model, or `ModelDrift.allModels` for the traffic mix across models.
    public var model: String
    /// The group within the model (`["tenant": "acme"]`), empty for the whole model.
    public var labels: [String: String] = [:]
    public var fields: [FieldDrift]

    public init(model: String, labels: [String: String] = [:], fields: [FieldDrift]) {
        self.model = model
        self.labels = labels
        self.fields = fields
    }

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

    /// Drift per value of `label` within each model: each (model, value) of
    /// `current` against the same pair in `reference`, which must have been built
    /// with `groupedReference(_:by:excluded:)`. The label's own field is left out (it is
    /// constant within a group).
    public static func compare(
        groupedReference: ReferenceSamples, current: [EventColumns], by label: String, settings: DriftSettings,
        excluded: Set<String> = []
    ) -> [ModelDrift] {
        let parts = groupedColumns(current, by: label)
        var owners: [String: (model: String, value: String)] = [:]
        for (model, value, columns) in parts { owners[columns.model] = (model, value) }
        let drift = compare(
            reference: groupedReference, current: parts.map(\.columns), settings: settings,
            excluded: excluded.union([label, "model"]))
        return drift.compactMap { entry in
            guard let owner = owners[entry.model] else { return nil }
            return ModelDrift(model: owner.model, labels: [label: owner.value], fields: entry.fields)
        }
    }

    /// A reference for `compare(groupedReference:…)`: split by `label`, built once and reused.
    public static func groupedReference(_ reference: [EventColumns], by label: String, excluded: Set<String> = [])
        -> ReferenceSamples
    {
        ReferenceSamples(
            groupedColumns(reference, by: label).map(\.columns), excluded: excluded.union([label, "model"]))
    }

    /// Each model's events split by `label`, each part keyed `model` + U+001F + value.
    public static func groupedColumns(_ columns: [EventColumns], by label: String)
        -> [(model: String, value: String, columns: EventColumns)]
    {
        columns.flatMap { model in
            model.split(by: label).map { value, part in
                var keyed = part
                keyed.model = model.model + "\u{1F}" + value
                return (model.model, value, keyed)
            }
        }
    }

    static func empty(like sample: FieldSample) -> FieldSample {
        sample.isNumeric ? .numeric(SortedSample(sorted: [])) : .categorical([:])
    }
}
