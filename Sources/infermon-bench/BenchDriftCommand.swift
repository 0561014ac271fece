import ArgumentParser
import Detectors
import InfermonConfig
import InfermonCore

#if canImport(Glibc)
    import Glibc
#endif

/// `infermon bench drift …`: the drift detectors' speed and their false-alarm rate
/// and power. Benchmarks/detectors/bench_drift.sh runs these next to Evidently and scipy.
struct BenchDrift: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Benchmark the drift detectors (speed; false alarms and power).",
        subcommands: [BenchDriftSpeed.self, BenchDriftAccuracy.self]
    )
}

struct BenchDriftSpeed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "speed",
        abstract: "All tests on N numeric fields × R reference × C current rows; prints seconds and flagged fields.",
        discussion: """
            Fields 0–4 are shifted by 0.2σ (drift), 5–7 by 0.03σ (significant with 100,000 rows, but below \
            the Wasserstein floor of 0.1: not drift), the rest are unchanged. --write-data saves the samples \
            as raw little-endian float64 (field-major) for the Python peers.
            """)

    @Option(help: "Numeric fields.") var fields = 20
    @Option(help: "Reference rows.") var referenceRows = 100_000
    @Option(help: "Current rows.") var currentRows = 100_000
    @Option(help: "Timed repetitions (the median is reported).") var repeats = 5
    @Option(help: ArgumentHelp("Write reference.f64 and current.f64 here.", valueName: "dir")) var writeData: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let (reference, current) = Self.generate(fields: fields, referenceRows: referenceRows, currentRows: currentRows)
        if let directory = writeData {
            try writeRaw(reference, to: directory + "/reference.f64")
            try writeRaw(current, to: directory + "/current.f64")
        }
        var settings = DriftSettings()
        settings.computeAllScores = true
        var timings: [Double] = []
        var cpuTimings: [Double] = []
        var sortTimings: [Double] = []
        var results: [FieldDrift] = []
        for _ in 0..<max(repeats, 1) {
            let started = monotonicNanoseconds()
            let cpuStarted = cpuSeconds()
            let sortedSamples = SortedSample.sortAll(reference + current)
            var inputs: [DriftInput] = []
            for index in 0..<fields {
                inputs.append(
                    DriftInput(
                        field: "f\(index)", reference: .numeric(sortedSamples[index]),
                        current: .numeric(sortedSamples[fields + index])))
            }
            let sorted = monotonicNanoseconds()
            results = DriftDetector.evaluate(inputs, settings: settings)
            let finished = monotonicNanoseconds()
            timings.append(Double(finished - started) / 1e9)
            cpuTimings.append(cpuSeconds() - cpuStarted)
            sortTimings.append(Double(sorted - started) / 1e9)
        }
        let median = timings.sorted()[timings.count / 2]
        let sortMedian = sortTimings.sorted()[sortTimings.count / 2]
        let cpuMedian = cpuTimings.sorted()[cpuTimings.count / 2]
        let flagged = results.filter(\.isDrift).map(\.field)
        if json {
            let names = flagged.map { "\"\($0)\"" }.joined(separator: ",")
            let scores = results.map { "\"\($0.field)\":\(formatJSONNumber($0.allScores["wasserstein"] ?? .nan))" }
            print(
                "{\"fields\":\(fields),\"reference_rows\":\(referenceRows),\"current_rows\":\(currentRows),\"seconds\":\(median),\"cpu_seconds\":\(cpuMedian),\"sort_seconds\":\(sortMedian),\"runs\":[\(timings.map { String($0) }.joined(separator: ","))],\"flagged\":[\(names)],\"wasserstein\":{\(scores.joined(separator: ","))}}"
            )
        } else {
            print("fields × rows:  \(fields) × \(referenceRows) reference × \(currentRows) current")
            print("CPU (median):   \(cpuMedian) s")
            print(
                "time (median):  \(median) s  (sorting \(sortMedian) s; runs: \(timings.map { String(format3($0)) }))")
            print("flagged:        \(flagged.joined(separator: ", "))")
            for field in results {
                print(
                    "  \(field.field): \(field.test.rawValue) \(format3(field.statistic)) p=\(field.pValue) ks_p=\(field.allScores["ks_pvalue"] ?? .nan) psi=\(format3(field.allScores["psi"] ?? .nan)) js=\(format3(field.allScores["jensenshannon"] ?? .nan)) \(field.verdict.rawValue)"
                )
            }
        }
    }

    /// Field-major columns; each field has its own distribution family.
    static func generate(fields: Int, referenceRows: Int, currentRows: Int) -> ([[Double]], [[Double]]) {
        var generator = SeededGenerator(seed: 20_260_101)
        var reference: [[Double]] = []
        var current: [[Double]] = []
        for field in 0..<fields {
            let shift: Double = field < 5 ? 0.2 : (field < 8 ? 0.03 : 0)
            let family = field % 4
            func draw(_ shiftInSigma: Double) -> Double {
                switch family {
                case 0: return generator.normal() + shiftInSigma
                case 1: return exp(0.5 * (generator.normal() + shiftInSigma))  // log-normal, latency-like
                case 2: return (generator.unit() + shiftInSigma * 0.288_675) * 10  // uniform, σ = 1/√12
                default: return (3 * (generator.normal() + shiftInSigma)).rounded()  // discrete, with ties
                }
            }
            reference.append((0..<referenceRows).map { _ in draw(0) })
            current.append((0..<currentRows).map { _ in draw(shift) })
        }
        return (reference, current)
    }

    func writeRaw(_ columns: [[Double]], to path: String) throws {
        let file = try OutputFile(path)
        for column in columns {
            try column.withUnsafeBytes { try file.write($0) }
        }
    }
}

func format3(_ value: Double) -> String { value.isFinite ? String((value * 1000).rounded() / 1000) : "\(value)" }
