import InfermonCore

/// A field of an inference event that a canary metric reads.
public enum CanaryField: String, Sendable, CaseIterable, Hashable {
    case latency
    case ttft
    case cost
    case promptTokens = "prompt_tokens"
    case completionTokens = "completion_tokens"
}

/// What a canary compares between baseline and candidate.
public enum CanaryMetric: Sendable, Hashable {
    /// The share of failed requests (status error or timeout).
    case errors
    /// A latency quantile, tested as the share of the candidate's (successful)
    /// requests above the baseline's quantile, e.g. `latency_p99`, `ttft_p90`.
    case quantile(CanaryField, Double)
    /// The mean of a field over successful requests: `latency_mean`, `ttft_mean`, `cost`.
    case mean(CanaryField)
    /// Mean user feedback (higher is better).
    case feedback
    /// Two-sided: the share of requests above the baseline's median of an input
    /// or output field moved (`drift` means both prompt and completion tokens).
    case drift(CanaryField)
    /// Shadow traffic only: the share of paired requests whose predictions differ.
    case agreement
    /// The share of judged requests judged hallucinated (the LLM judge's verdict
    /// where it gave one, else the groundedness scorer's); unjudged requests are left out.
    case hallucination

    public var name: String {
        switch self {
        case .errors: "errors"
        case .quantile(let field, let q): "\(field.rawValue)_p\(Self.percentText(q))"
        case .mean(.cost): "cost"
        case .mean(let field): "\(field.rawValue)_mean"
        case .feedback: "feedback"
        case .drift(let field): "drift_\(field.rawValue)"
        case .agreement: "agreement"
        case .hallucination: "hallucination"
        }
    }

    static func percentText(_ q: Double) -> String {
        let percent = q * 100
        if percent == percent.rounded() { return String(Int(percent)) }
        return String(String(percent).filter { $0 != "." })
    }

    /// The metrics tested when none are named.
    public static let defaults: [CanaryMetric] = [
        .errors, .quantile(.latency, 0.99), .quantile(.ttft, 0.9), .mean(.cost),
    ]

    /// The names `--metrics` and `metrics:` accept, for messages.
    public static let accepted =
        "errors, latency_pNN, ttft_pNN, latency_mean, ttft_mean, cost, feedback, drift, drift_prompt_tokens, drift_completion_tokens, agreement, hallucination"

    /// One name (`drift` gives two metrics).
    public static func parse(_ text: String) throws -> [CanaryMetric] {
        let name = text.trimming(" ")
        switch name {
        case "errors", "error_rate": return [.errors]
        case "cost": return [.mean(.cost)]
        case "latency_mean": return [.mean(.latency)]
        case "ttft_mean": return [.mean(.ttft)]
        case "feedback": return [.feedback]
        case "drift": return [.drift(.promptTokens), .drift(.completionTokens)]
        case "drift_prompt_tokens": return [.drift(.promptTokens)]
        case "drift_completion_tokens": return [.drift(.completionTokens)]
        case "agreement": return [.agreement]
        case "hallucination", "hallucination_rate": return [.hallucination]
        default:
            for field in [CanaryField.latency, .ttft] where name.hasPrefix(field.rawValue + "_p") {
                let digits = name.dropFirst(field.rawValue.count + 2)
                if let number = Double(digits), !digits.isEmpty, digits.allSatisfy(\.isNumber) {
                    // p999 means 99.9, p9999 99.99.
                    let q = digits.count > 2 && digits.hasPrefix("99") ? number / pow10(digits.count) : number / 100
                    if q > 0, q < 1 { return [.quantile(field, q)] }
                }
            }
            throw InfermonError.invalidArgument("\"\(name)\" is not a canary metric: use \(accepted)")
        }
    }

    private static func pow10(_ n: Int) -> Double {
        var value = 1.0
        for _ in 0..<n { value *= 10 }
        return value
    }

    /// The default margin: the difference (in the metric's tested scale) small
    /// enough to promote, and the effect size the mixture is tuned for. Errors
    /// and drift: absolute points of share; quantiles: a relative increase of the
    /// share above the baseline's quantile; means: relative to the baseline's mean;
    /// feedback: absolute; agreement: the largest acceptable disagreement;
    /// hallucination: absolute points of the judged share.
    public var defaultMargin: Double {
        switch self {
        case .errors: 0.01
        case .quantile: 0.5
        case .mean: 0.1
        case .feedback: 0.05
        case .drift: 0.05
        case .agreement: 0.05
        case .hallucination: 0.02
        }
    }

    /// Whether the metric needs the baseline's first events to fix a threshold or a scale.
    var needsCalibration: Bool {
        switch self {
        case .quantile, .mean, .drift: true
        case .errors, .feedback, .agreement, .hallucination: false
        }
    }
}

/// Which events belong to an arm: every given label must match.
public struct CanarySelector: Sendable, Equatable, CustomStringConvertible {
    public static let labels = ["model", "model_version", "route", "tenant"]
    public var matchers: [String: String]

    public init(_ matchers: [String: String]) { self.matchers = matchers }

    /// `model_version=B` or `model=gpt-4o,model_version=B`.
    public init(parsing text: String) throws {
        var matchers: [String: String] = [:]
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { String($0).trimming(" ") }
            guard pieces.count == 2, !pieces[0].isEmpty else {
                throw InfermonError.invalidArgument(
                    "\"\(part)\" is not label=value (labels: model, model_version, route, tenant)")
            }
            guard Self.labels.contains(pieces[0]) else {
                throw InfermonError.invalidArgument(
                    "an arm is chosen by \(Self.labels.joined(separator: ", ")), not \"\(pieces[0])\"")
            }
            matchers[pieces[0]] = pieces[1]
        }
        guard !matchers.isEmpty else { throw InfermonError.invalidArgument("an arm needs at least one label=value") }
        self.matchers = matchers
    }

    public var description: String {
        matchers.keys.sorted().map { "\($0)=\(matchers[$0]!)" }.joined(separator: ",")
    }

    /// The model the selector pins, if any (the store can read one model only).
    public var model: String? { matchers["model"] }
}

/// One canary: which traffic is the baseline, which the candidate, what is
/// compared and at what error rate.
public struct CanaryDefinition: Sendable, Equatable {
    public var name: String
    public var baseline: CanarySelector
    public var candidate: CanarySelector
    /// Labels both arms must also match (e.g. a route).
    public var common: [String: String] = [:]
    public var metrics: [CanaryMetric] = CanaryMetric.defaults
    /// The family-wise error rate: each of the m metrics is tested at alpha/m (Bonferroni).
    public var alpha = 0.05
    /// Margins by metric name, over `defaultMargin`.
    public var margins: [String: Double] = [:]
    /// How far back to look for the rollout (its start is the first event in it).
    public var window: Duration = .seconds(2 * 3600)
    /// The candidate's configured share of the two arms' traffic; nil: no sample-ratio check.
    public var trafficShare: Double?
    /// The sample-ratio check's own error rate.
    public var srmAlpha = 0.001
    /// Events per arm before a metric may decide anything.
    public var minimumSamples = 100
    /// Baseline events that fix quantile thresholds and scales before those metrics are tested.
    public var warmup = 500
    /// Compare request by request when the same request id was served by both versions.
    public var pairing = true

    public init(name: String, baseline: CanarySelector, candidate: CanarySelector) {
        self.name = name
        self.baseline = baseline
        self.candidate = candidate
    }

    public func margin(_ metric: CanaryMetric) -> Double { margins[metric.name] ?? metric.defaultMargin }

    /// The model to read, when both arms (or the common labels) pin the same one.
    public var model: String? {
        if let model = common["model"] { return model }
        if let a = baseline.model, a == candidate.model { return a }
        return nil
    }
}
