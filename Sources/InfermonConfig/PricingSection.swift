import InfermonCore

extension Configuration {
    /// `pricing:` — where the model price table is. Either the path itself
    /// (`pricing: rules/pricing.yaml`) or a mapping (`pricing: {path: …}`).
    public struct PricingSection: Sendable, Equatable {
        public static let defaultPath = "rules/pricing.yaml"

        /// Relative paths are taken from the working directory, like source globs.
        public var path = PricingSection.defaultPath
        /// Whether the path was written in the configuration. A missing file at
        /// the default path only disables table pricing (with a warning); a
        /// missing file that was asked for is an error.
        public var isExplicit = false

        public init() {}

        static func parse(_ value: YAMLValue) throws -> PricingSection {
            var section = PricingSection()
            let pathValue = (try? value.string()) != nil ? value : try value.mapping(allowed: ["path"]).required("path")
            section.path = try pathValue.filePath()
            guard !section.path.isEmpty else { throw pathValue.error("the price table path must not be empty") }
            section.isExplicit = true
            return section
        }
    }
}
