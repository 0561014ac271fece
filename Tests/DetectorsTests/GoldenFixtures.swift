import Foundation

/// The golden fixtures written by Benchmarks/detectors/make_fixtures.py from scipy
/// and Evidently, and the seeded generator both sides use to rebuild the samples.
struct GoldenFixtures: @unchecked Sendable {
    let root: [String: Any]

    static let shared: GoldenFixtures = {
        guard let url = Bundle.module.url(forResource: "golden", withExtension: "json", subdirectory: "testdata"),
            let data = try? Data(contentsOf: url),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { fatalError("testdata/golden.json is missing; run Benchmarks/detectors/make_fixtures.py") }
        return GoldenFixtures(root: object)
    }()

    func cases(_ key: String) -> [[String: Any]] { root[key] as? [[String: Any]] ?? [] }
}

/// A sample description: `seed`, `n`, `loc`, `scale`, optional `step` for ties.
struct SampleSpec {
    let seed: UInt64
    let count: Int
    let location: Double
    let scale: Double
    let step: Double?

    init(_ json: Any?) {
        let map = json as? [String: Any] ?? [:]
        seed = (map["seed"] as? NSNumber)?.uint64Value ?? 0
        count = (map["n"] as? NSNumber)?.intValue ?? 0
        location = (map["loc"] as? NSNumber)?.doubleValue ?? 0
        scale = (map["scale"] as? NSNumber)?.doubleValue ?? 1
        step = (map["step"] as? NSNumber)?.doubleValue
    }

    /// loc + scale·√3·(u1 + u2 + u3 + u4 − 2), in the same operation order as the Python side.
    func values() -> [Double] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let sqrt3 = 3.0.squareRoot()
        var out = [Double](repeating: 0, count: count)
        for i in 0..<count {
            var sum = 0.0
            for _ in 0..<4 { sum = sum + Double(next() >> 11) * 0x1p-53 }
            var value = location + scale * (sqrt3 * (sum - 2.0))
            if let step { value = (value / step).rounded(.down) * step }
            out[i] = value
        }
        return out
    }
}

func double(_ value: Any?) -> Double { (value as? NSNumber)?.doubleValue ?? .nan }

/// |a − b| ≤ tolerance · |b|, with exact zeros (and tiny probabilities) compared absolutely.
func agrees(_ actual: Double, _ expected: Double, relative tolerance: Double = 1e-6, absolute: Double = 1e-300) -> Bool
{
    if actual == expected { return true }
    return abs(actual - expected) <= max(tolerance * abs(expected), absolute)
}
