public import InfermonCore
import InfermonYAML

#if canImport(Glibc)
    import Glibc
#endif

/// Finds and loads rule files from globs, as Prometheus's `rule_files`:
/// relative patterns are taken from a base directory (the configuration
/// file's), files are read in sorted order, and a pattern that matches
/// nothing is not an error.
public enum RuleFiles {
    /// Every file the patterns match, each once, in pattern order then name order.
    public static func expand(_ patterns: [String], relativeTo base: String?) throws -> [String] {
        var files: [String] = []
        var seen: Set<String> = []
        for pattern in patterns where !pattern.isEmpty {
            let relative = !pattern.hasPrefix("/") && base != nil && base != "" && base != "."
            let full = relative ? base! + "/" + pattern : pattern
            for path in try glob(full) where seen.insert(path).inserted { files.append(path) }
        }
        return files
    }

    static func glob(_ pattern: String) throws -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        let code = Glibc.glob(pattern, 0, nil, &result)
        if code == GLOB_NOMATCH { return [] }
        guard code == 0 else { throw InfermonError.io("cannot expand rule file pattern \(pattern)") }
        var paths: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let path = result.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        return paths.sorted()
    }

    /// Parses every file; returns all groups, or every error found.
    public static func load(
        _ files: [String], options: RuleFileParser.Options = RuleFileParser.Options(allowExtensions: true)
    )
        -> (groups: [RuleGroupDefinition], errors: [InfermonError])
    {
        var groups: [RuleGroupDefinition] = []
        var errors: [InfermonError] = []
        for file in files {
            let text: String
            do {
                text = try readTextFile(file)
            } catch {
                errors.append(.io("cannot read rule file \(file): \(error)"))
                continue
            }
            let parsed = RuleFileParser.parse(text, file: file, options: options)
            groups += parsed.groups
            errors += parsed.errors
        }
        return (errors.isEmpty ? groups : [], errors)
    }

    /// Loads the files the patterns match, or throws one error that lists every problem.
    public static func loadOrThrow(_ patterns: [String], relativeTo base: String?) throws -> [RuleGroupDefinition] {
        let files = try expand(patterns, relativeTo: base)
        let loaded = load(files)
        guard let first = loaded.errors.first else { return loaded.groups }
        if loaded.errors.count == 1 { throw first }
        let rest = loaded.errors.dropFirst().map(\.description).joined(separator: "; ")
        throw InfermonError.invalidInput(
            "\(first.message) (and \(loaded.errors.count - 1) more: \(rest))", at: first.location)
    }
}
