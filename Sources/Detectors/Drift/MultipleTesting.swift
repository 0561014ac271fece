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
