extension StringProtocol {
    /// The text without the leading and trailing characters in `characters`.
    public func trimming(_ characters: String) -> String {
        trimming { characters.contains($0) }
    }

    /// The text without the leading and trailing characters for which `isTrimmed` holds.
    public func trimming(where isTrimmed: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !isTrimmed($0) }), let last = lastIndex(where: { !isTrimmed($0) })
        else { return "" }
        return String(self[first...last])
    }
}
