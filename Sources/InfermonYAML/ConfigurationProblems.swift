import InfermonCore

/// Every problem found in a configuration, reported together as a compiler
/// reports its errors: an operator fixing a file should not have to run the
/// check once per mistake.
public struct ConfigurationProblems: Error, CustomStringConvertible {
    public let problems: [any Error]

    public init(_ problems: [any Error]) { self.problems = problems }

    /// One per line, each `file:line:col: message` where it has a position.
    public var description: String {
        "\(problems.count) problems:\n"
            + problems.map { "  " + (($0 as? InfermonError)?.description ?? "\($0)") }.joined(separator: "\n")
    }

    /// Throws nothing for none, the problem itself for one, all of them for more.
    public static func throwIfAny(_ problems: [any Error]) throws {
        if problems.count == 1 { throw problems[0] }
        if problems.count > 1 { throw ConfigurationProblems(problems) }
    }
}

/// Runs checks one after another, keeping every error instead of stopping at the first.
public struct ProblemCollector {
    public private(set) var problems: [any Error] = []

    public init() {}

    public mutating func check(_ body: () throws -> Void) {
        do { try body() } catch let many as ConfigurationProblems { problems += many.problems } catch {
            problems.append(error)
        }
    }

    public func throwIfAny() throws { try ConfigurationProblems.throwIfAny(problems) }
}
