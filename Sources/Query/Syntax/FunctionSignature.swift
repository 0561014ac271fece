/// What a function accepts and returns, so the parser can reject a wrong call
/// with a position before anything is evaluated.
public struct FunctionSignature: Sendable, Hashable {
    public let name: String
    public let arguments: [ValueType]
    /// How many trailing arguments may be left out.
    public let optional: Int
    /// Whether the last argument type may repeat without bound.
    public let variadic: Bool
    public let returns: ValueType

    init(_ name: String, _ arguments: [ValueType], optional: Int = 0, variadic: Bool = false, returns: ValueType) {
        self.name = name
        self.arguments = arguments
        self.optional = optional
        self.variadic = variadic
        self.returns = returns
    }

    /// Every function the engine evaluates, by name.
    public static let all: [String: FunctionSignature] = {
        var table: [String: FunctionSignature] = [:]
        func add(_ signature: FunctionSignature) { table[signature.name] = signature }
        for name in [
            "rate", "irate", "increase", "delta", "idelta", "deriv", "avg_over_time", "sum_over_time",
            "min_over_time", "max_over_time", "count_over_time", "last_over_time", "stddev_over_time",
            "stdvar_over_time", "present_over_time", "absent_over_time", "changes", "resets",
        ] {
            add(FunctionSignature(name, [.matrix], returns: .vector))
        }
        add(FunctionSignature("quantile_over_time", [.scalar, .matrix], returns: .vector))
        add(FunctionSignature("predict_linear", [.matrix, .scalar], returns: .vector))
        add(FunctionSignature("histogram_quantile", [.scalar, .vector], returns: .vector))
        for name in ["abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "sort", "sort_desc"] {
            add(FunctionSignature(name, [.vector], returns: .vector))
        }
        add(FunctionSignature("round", [.vector, .scalar], optional: 1, returns: .vector))
        add(FunctionSignature("clamp", [.vector, .scalar, .scalar], returns: .vector))
        add(FunctionSignature("clamp_min", [.vector, .scalar], returns: .vector))
        add(FunctionSignature("clamp_max", [.vector, .scalar], returns: .vector))
        add(FunctionSignature("time", [], returns: .scalar))
        add(FunctionSignature("timestamp", [.vector], returns: .vector))
        add(FunctionSignature("vector", [.scalar], returns: .vector))
        add(FunctionSignature("scalar", [.vector], returns: .scalar))
        add(FunctionSignature("absent", [.vector], returns: .vector))
        add(FunctionSignature("label_replace", [.vector, .string, .string, .string, .string], returns: .vector))
        add(
            FunctionSignature(
                "label_join", [.vector, .string, .string, .string], optional: 1, variadic: true, returns: .vector))
        // infermon extension: quantiles from merged rollup sketches.
        add(
            FunctionSignature(
                "sketch_quantile_over_time", [.scalar, .matrix, .string], optional: 1, variadic: true, returns: .vector)
        )
        return table
    }()
}
