public import InfermonCore

/// The four kinds of value a PromQL expression can produce.
public enum ValueType: String, Sendable, Hashable {
    case scalar
    case string
    case vector = "instant vector"
    case matrix = "range vector"
}

/// A parsed PromQL expression. Durations and offsets are milliseconds.
public indirect enum Expression: Sendable, Hashable {
    case number(Double)
    case string(String)
    /// An instant vector selector: `metric{label="value"} offset 5m`.
    case selector(VectorSelector)
    /// A range vector selector: `metric[5m] offset 1h`.
    case rangeSelector(VectorSelector, range: Int64)
    /// `expr[range:step] offset o`; `step` nil means the engine's default resolution.
    case subquery(Subquery)
    case call(FunctionCall)
    case aggregation(Aggregation)
    case binary(BinaryOperation)
    case negation(Expression)
    case parenthesized(Expression)

    /// The kind of value the expression evaluates to.
    public var type: ValueType {
        switch self {
        case .number: return .scalar
        case .string: return .string
        case .selector: return .vector
        case .rangeSelector, .subquery: return .matrix
        case .call(let call): return call.function.returns
        case .aggregation: return .vector
        case .binary(let binary):
            return binary.left.type == .scalar && binary.right.type == .scalar ? .scalar : .vector
        case .negation(let inner), .parenthesized(let inner): return inner.type
        }
    }

    /// The expression inside any number of parentheses.
    public var unwrapped: Expression {
        if case .parenthesized(let inner) = self { return inner.unwrapped }
        return self
    }
}

/// A metric selector: the matchers, including one on `__name__` when a name is written.
public struct VectorSelector: Sendable, Hashable {
    public var matchers: [LabelMatcher]
    public var offset: Int64

    public init(matchers: [LabelMatcher], offset: Int64 = 0) {
        self.matchers = matchers
        self.offset = offset
    }

    /// The metric name when it is given as an equality, as in `metric{…}`.
    public var metricName: String? {
        matchers.first { $0.name == Labels.metricName && $0.op == .equal }?.value
    }
}

public struct Subquery: Sendable, Hashable {
    public var expression: Expression
    public var range: Int64
    public var step: Int64?
    public var offset: Int64
}

public struct FunctionCall: Sendable, Hashable {
    public var function: FunctionSignature
    public var arguments: [Expression]
}

public struct Aggregation: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable, CaseIterable {
        case sum, avg, min, max, count, stddev, stdvar, group, topk, bottomk, quantile
        case countValues = "count_values"

        /// The parameter's type for operators that take one before the vector.
        var parameterType: ValueType? {
            switch self {
            case .topk, .bottomk, .quantile: return .scalar
            case .countValues: return .string
            default: return nil
            }
        }
    }

    public enum Grouping: Sendable, Hashable {
        case by([String])
        case without([String])
    }

    public var op: Operator
    public var expression: Expression
    public var parameter: Expression?
    /// Nil when neither `by` nor `without` is written: everything aggregates into one series.
    public var grouping: Grouping?
}

public struct BinaryOperation: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable {
        case add = "+"
        case subtract = "-"
        case multiply = "*"
        case divide = "/"
        case modulo = "%"
        case power = "^"
        case equal = "=="
        case notEqual = "!="
        case greater = ">"
        case less = "<"
        case greaterOrEqual = ">="
        case lessOrEqual = "<="
        case and, or, unless

        var isComparison: Bool {
            switch self {
            case .equal, .notEqual, .greater, .less, .greaterOrEqual, .lessOrEqual: return true
            default: return false
            }
        }

        var isSetOperator: Bool { self == .and || self == .or || self == .unless }

        /// Binding strength; higher binds tighter. `^` is the only right-associative one.
        var precedence: Int {
            switch self {
            case .or: return 1
            case .and, .unless: return 2
            case .equal, .notEqual, .greater, .less, .greaterOrEqual, .lessOrEqual: return 3
            case .add, .subtract: return 4
            case .multiply, .divide, .modulo: return 5
            case .power: return 6
            }
        }
    }

    /// How series of the two sides pair up.
    public struct Matching: Sendable, Hashable {
        public enum Cardinality: Sendable, Hashable {
            case oneToOne, manyToOne, oneToMany, manyToMany
        }

        public var cardinality: Cardinality
        /// `on(…)` when true, `ignoring(…)` when false.
        public var on: Bool
        public var labels: [String]
        /// Labels copied from the "one" side by `group_left(…)` / `group_right(…)`.
        public var include: [String]

        public init(cardinality: Cardinality, on: Bool = false, labels: [String] = [], include: [String] = []) {
            self.cardinality = cardinality
            self.on = on
            self.labels = labels
            self.include = include
        }
    }

    public var op: Operator
    public var left: Expression
    public var right: Expression
    /// `bool`: comparisons return 0/1 instead of filtering.
    public var returnsBool: Bool
    /// Present when both sides are instant vectors.
    public var matching: Matching?
}
