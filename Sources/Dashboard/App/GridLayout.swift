/// Where each panel of a dashboard goes on a screen of a given size: fixed
/// rows get their lines, the others share the rest by weight; panels share a
/// row's width by weight. Also answers which panel an arrow key moves to.
public struct GridLayout: Sendable {
    /// One rectangle per panel, in `DashboardSpec.panels` order.
    public let frames: [Rect]
    /// For each panel: its row, and its position within the row.
    let positions: [(row: Int, column: Int)]
    let rowStarts: [Int]

    public init(_ spec: DashboardSpec, in area: Rect) {
        let heights = Self.distribute(
            area.height, fixed: spec.rows.map(\.height), weights: spec.rows.map(\.weight))
        var frames: [Rect] = []
        var positions: [(Int, Int)] = []
        var rowStarts: [Int] = []
        var y = area.y
        for (rowIndex, row) in spec.rows.enumerated() {
            rowStarts.append(frames.count)
            let widths = Self.distribute(
                area.width, fixed: row.panels.map { _ in nil }, weights: row.panels.map(\.width))
            var x = area.x
            for (column, width) in widths.enumerated() {
                frames.append(Rect(x: x, y: y, width: width, height: heights[rowIndex]))
                positions.append((rowIndex, column))
                x += width
            }
            y += heights[rowIndex]
        }
        self.frames = frames
        self.positions = positions
        self.rowStarts = rowStarts
    }

    /// Splits `total` cells: fixed sizes first (scaled down if they do not fit),
    /// the remainder by weight, rounding so the parts add up exactly.
    static func distribute(_ total: Int, fixed: [Int?], weights: [Int]) -> [Int] {
        let fixedTotal = fixed.compactMap { $0 }.reduce(0, +)
        let flexibleWeights = zip(fixed, weights).filter { $0.0 == nil }.map(\.1).reduce(0, +)
        var sizes = Array(repeating: 0, count: fixed.count)
        var scale = 1.0
        if fixedTotal > total || (flexibleWeights > 0 && fixedTotal > total - 3 * fixed.count) {
            // Leave flexible rows at least a few lines; fixed rows give way proportionally.
            let available = flexibleWeights > 0 ? max(0, total - 3 * (fixed.filter { $0 == nil }.count)) : total
            scale = fixedTotal > 0 ? min(1, Double(available) / Double(fixedTotal)) : 1
        }
        for (index, size) in fixed.enumerated() {
            if let size { sizes[index] = Int(Double(size) * scale) }
        }
        let remaining = max(0, total - sizes.reduce(0, +))
        if flexibleWeights > 0 {
            var given = 0
            var weightSoFar = 0
            for (index, size) in fixed.enumerated() where size == nil {
                weightSoFar += weights[index]
                let end = remaining * weightSoFar / flexibleWeights
                sizes[index] = end - given
                given = end
            }
        } else if let last = sizes.indices.last {
            sizes[last] += remaining
        }
        return sizes
    }

    public enum Direction: Sendable { case left, right, up, down }

    /// The panel an arrow key selects from `panel`.
    public func move(from panel: Int, _ direction: Direction) -> Int {
        guard frames.indices.contains(panel) else { return 0 }
        switch direction {
        case .left: return max(0, panel - 1)
        case .right: return min(frames.count - 1, panel + 1)
        case .up, .down:
            let row = positions[panel].row + (direction == .up ? -1 : 1)
            guard rowStarts.indices.contains(row) else { return panel }
            let centre = frames[panel].x + frames[panel].width / 2
            let end = row + 1 < rowStarts.count ? rowStarts[row + 1] : frames.count
            return (rowStarts[row]..<end).min { a, b in
                abs(frames[a].x + frames[a].width / 2 - centre) < abs(frames[b].x + frames[b].width / 2 - centre)
            } ?? panel
        }
    }
}
