import InfermonCore

/// The checks many sections share, each with the one wording every section uses.
extension YAMLValue {
    /// A duration longer than zero.
    public func positiveDuration() throws -> Duration {
        let duration: Duration = try duration()
        guard duration > .zero else { throw error("must be longer than zero") }
        return duration
    }

    /// A share of something: a number from 0 to 1.
    public func share() throws -> Double {
        let number = try double()
        guard (0...1).contains(number) else { throw error("expected a number between 0 and 1") }
        return number
    }

    /// One of an enumeration's raw values.
    public func oneOf<Choice: RawRepresentable & CaseIterable>(_: Choice.Type) throws -> Choice
    where Choice.RawValue == String {
        Choice(rawValue: try oneOf(Choice.allCases.map(\.rawValue)))!
    }

    /// A file path taken relative to the directory of this value's file, as
    /// `filePath()` does, but with `$` an ordinary character.
    public func relativePath() throws -> String {
        YAMLValue.path(try string(), relativeTo: file)
    }

    /// `path` relative to the directory of `file` when it is not absolute: paths in a
    /// configuration mean the same whatever the working directory, as in Prometheus.
    public static func path(_ path: String, relativeTo file: String?) -> String {
        guard !path.hasPrefix("/"), let file, let slash = file.lastIndex(of: "/") else { return path }
        return String(file[...slash]) + path
    }
}
