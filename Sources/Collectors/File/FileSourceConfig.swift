import InfermonCore
public import InfermonYAML

/// The `sources:` section: file sources, decoded into `FileSourceOptions` with
/// the defaults of its initializer.
///
/// ```yaml
/// sources:
///   - name: gateway
///     type: file               # the only type
///     paths: ["/var/log/gw/*.jsonl"]   # relative to the configuration file
///     profile: litellm         # native | openai | otel-genai | litellm | labels
///     max_line_bytes: 1048576
///     poll_interval: 250ms
///     rotated_idle_polls: 20
///     batch_events: 50000
/// ```
extension FileSourceOptions {
    /// Without a `sources:` section: `./logs/*.jsonl`, native events.
    public static let defaultSources = [FileSourceOptions(name: "logs", paths: ["./logs/*.jsonl"])]

    /// The whole list: names unique, and every entry's problems reported together.
    public static func list(yaml value: YAMLValue) throws -> [FileSourceOptions] {
        var names: Set<String> = []
        var problems = ProblemCollector()
        var sources: [FileSourceOptions] = []
        for item in try value.sequence() {
            problems.check { sources.append(try FileSourceOptions(yaml: item, names: &names)) }
        }
        try problems.throwIfAny()
        return sources
    }

    /// One entry; `names` are those taken by the entries before it.
    init(yaml item: YAMLValue, names: inout Set<String>) throws {
        let map = try item.mapping(allowed: [
            "name", "type", "paths", "profile", "max_line_bytes", "poll_interval", "rotated_idle_polls",
            "batch_events",
        ])
        let nameValue = try map.required("name")
        let name = try nameValue.string()
        guard !name.isEmpty, names.insert(name).inserted else {
            throw nameValue.error("source names must be unique and non-empty")
        }
        let pathsValue = try map.required("paths")
        let paths = try pathsValue.filePathList()
        guard !paths.isEmpty else { throw pathsValue.error("at least one path or glob is needed") }
        self.init(name: name, paths: paths)
        if let kind = map["type"] { _ = try kind.oneOf(["file"]) }
        if let profile = map["profile"] { self.profile = try profile.oneOf(ProfileKind.self) }
        if let maxLine = map["max_line_bytes"] { maxLineBytes = try maxLine.int(in: 64...(256 << 20)) }
        if let poll = map["poll_interval"] { pollInterval = try poll.positiveDuration() }
        if let idle = map["rotated_idle_polls"] { rotatedIdlePolls = try idle.int(in: 1...100_000) }
        if let batch = map["batch_events"] { batchEvents = try batch.int(in: 1...1_000_000) }
    }
}
