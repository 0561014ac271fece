import InfermonCore
public import InfermonYAML
public import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `pricing:` — where the model price table is. Either the path itself
/// (`pricing: rules/pricing.yaml`) or a mapping (`pricing: {path: …}`).
public struct PricingConfig: Sendable, Equatable {
    public static let defaultPath = "rules/pricing.yaml"

    /// Relative paths are taken from the working directory, like source globs.
    public var path = PricingConfig.defaultPath
    /// Whether the path was written in the configuration. A missing file at
    /// the default path only disables table pricing (with a warning); a
    /// missing file that was asked for is an error.
    public var isExplicit = false

    public init() {}

    public init(yaml value: YAMLValue) throws {
        let pathValue = (try? value.string()) != nil ? value : try value.mapping(allowed: ["path"]).required("path")
        path = try pathValue.filePath()
        guard !path.isEmpty else { throw pathValue.error("the price table path must not be empty") }
        isExplicit = true
    }

    /// The table at `path`. A missing file at the default path means no table
    /// (every event without a reported cost is counted as unpriced); a missing
    /// file the configuration asked for is an error.
    public func loadTable(logger: Logger) throws -> PriceTable {
        if !isExplicit, access(path, F_OK) != 0 {
            logger.warning(
                "no price table; events without a reported cost stay unpriced", metadata: ["path": "\(path)"])
            return PriceTable.empty
        }
        return try PriceTable.load(path: path)
    }
}
