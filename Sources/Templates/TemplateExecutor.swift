/// Runs a parsed template with Go's text/template semantics and Prometheus's
/// options (`missingkey=zero`: a missing label prints as an empty string).
struct TemplateExecutor {
    let template: ParsedTemplate
    private let environment: TemplateEnvironment
    private var variables: [(name: String, value: TemplateValue)] = []
    private var output = ""
    private var depth = 0
    /// The node being evaluated, for `executing "…" at <…>` messages.
    private var at: (offset: Int, text: String) = (0, "")

    private enum Flow { case normal, breakLoop, continueLoop }

    init(template: ParsedTemplate, environment: TemplateEnvironment) {
        self.template = template
        self.environment = environment
    }

    /// Executes with `dot` as `.` and `$`; errors read like Go's.
    mutating func run(dot: TemplateValue) throws(TemplateError) -> String {
        variables = [("$", dot)]
        output = ""
        _ = try walk(template.body, dot: dot)
        return output
    }

    func fail(_ message: String) -> TemplateError {
        TemplateError(offset: at.offset, message: "executing \"\(template.name)\" at <\(at.text)>: \(message)")
    }

    // MARK: Nodes

    private mutating func walk(_ nodes: [TemplateNode], dot: TemplateValue) throws(TemplateError) -> Flow {
        for node in nodes {
            let flow = try walk(node, dot: dot)
            if flow != .normal { return flow }
        }
        return .normal
    }

    private mutating func walk(_ node: TemplateNode, dot: TemplateValue) throws(TemplateError) -> Flow {
        switch node {
        case .text(let text):
            output += text
        case .action(let pipeline):
            let value = try evaluate(pipeline, dot: dot)
            if pipeline.declarations.isEmpty { output += value.printed }
        case .conditional(let control), .with(let control):
            let mark = variables.count
            defer { variables.removeLast(variables.count - mark) }
            let value = try evaluate(control.pipeline, dot: dot)
            var isWith = false
            if case .with = node { isWith = true }
            if value.isTrue {
                return try walk(control.body, dot: isWith ? value : dot)
            } else if let elseBody = control.elseBody {
                return try walk(elseBody, dot: dot)
            }
        case .range(let control):
            return try walkRange(control, dot: dot)
        case .include(let name, let pipeline, let offset):
            guard let body = template.definitions[name] else {
                at = (offset, "template \"\(name)\"")
                throw fail("template: no template \"\(name)\" associated with template \"\(template.name)\"")
            }
            let value =
                try pipeline.map { pipeline throws(TemplateError) in try evaluate(pipeline, dot: dot) } ?? .missing
            depth += 1
            defer { depth -= 1 }
            guard depth < 10_000 else { throw fail("exceeded maximum template depth (100000)") }
            let saved = variables
            variables = [("$", value)]
            defer { variables = saved }
            _ = try walk(body, dot: value)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    private mutating func walkRange(_ control: TemplateNode.Control, dot: TemplateValue) throws(TemplateError) -> Flow {
        let mark = variables.count
        defer { variables.removeLast(variables.count - mark) }
        var bare = control.pipeline
        bare.declarations = []
        let value = try evaluate(bare, dot: dot)
        var items: [(key: TemplateValue, element: TemplateValue)] = []
        switch value {
        case .samples(let samples): items = samples.enumerated().map { (.int($0.offset), .sample($0.element)) }
        case .stringMap(let map): items = map.keys.sorted().map { (.string($0), .string(map[$0]!)) }
        case .anyMap(let map): items = map.keys.sorted().map { (.string($0), map[$0]!) }
        case .missing: break
        default:
            at = (control.pipeline.offset, control.pipeline.text)
            throw fail("range can't iterate over \(value.formatted())")
        }
        if items.isEmpty {
            if let elseBody = control.elseBody { return try walk(elseBody, dot: dot) }
            return .normal
        }
        let names = control.pipeline.declarations
        for item in items {
            let iterationMark = variables.count
            if names.count == 1 {
                variables.append((names[0], item.element))
            } else if names.count == 2 {
                variables.append((names[0], item.key))
                variables.append((names[1], item.element))
            }
            let flow = try walk(control.body, dot: item.element)
            variables.removeLast(variables.count - iterationMark)
            if flow == .breakLoop { break }
        }
        return .normal
    }

    // MARK: Pipelines and commands

    private mutating func evaluate(_ pipeline: TemplatePipeline, dot: TemplateValue) throws(TemplateError)
        -> TemplateValue
    {
        var value: TemplateValue?
        for command in pipeline.commands {
            value = try evaluate(command, dot: dot, final: value)
        }
        let result = value ?? .missing
        if pipeline.assigns {
            for name in pipeline.declarations {
                guard let index = variables.lastIndex(where: { $0.name == name }) else {
                    throw fail("undefined variable: \(name)")
                }
                variables[index].value = result
            }
        } else {
            for name in pipeline.declarations { variables.append((name, result)) }
        }
        return result
    }

    private mutating func evaluate(_ command: TemplateCommand, dot: TemplateValue, final: TemplateValue?)
        throws(TemplateError) -> TemplateValue
    {
        at = (command.offset, command.text)
        let arguments = Array(command.operands.dropFirst())
        let hasArguments = !arguments.isEmpty || final != nil
        switch command.operands[0] {
        case .function(let name):
            return try call(name, arguments: arguments, final: final, dot: dot)
        case .field(let names):
            return try fields(names, of: dot, hasArguments: hasArguments)
        case .variable(let name, let names):
            let value = variable(name)
            if names.isEmpty {
                if hasArguments { throw fail("can't give argument to non-function \(name)") }
                return value
            }
            return try fields(names, of: value, hasArguments: hasArguments)
        case .parenthesized(let pipeline, let names):
            let value = try evaluate(pipeline, dot: dot)
            at = (command.offset, command.text)
            if names.isEmpty {
                if hasArguments { throw fail("can't give argument to non-function \(pipeline.text)") }
                return value
            }
            return try fields(names, of: value, hasArguments: hasArguments)
        case .nilValue:
            throw fail("nil is not a command")
        case let literal:
            if hasArguments { throw fail("can't give argument to non-function \(command.text)") }
            return try argument(literal, as: .any, dot: dot)
        }
    }

    private func variable(_ name: String) -> TemplateValue {
        variables.last { $0.name == name }?.value ?? .missing
    }

    private mutating func call(_ name: String, arguments: [TemplateOperand], final: TemplateValue?, dot: TemplateValue)
        throws(TemplateError) -> TemplateValue
    {
        guard let function = TemplateFunctions.all[name] else { throw fail("\"\(name)\" is not a defined function") }
        let given = arguments.count + (final == nil ? 0 : 1)
        let fixed = function.parameters.count
        if function.variadic == nil && given != fixed {
            throw fail("wrong number of args for \(name): want \(fixed) got \(given)")
        }
        if function.variadic != nil && given < fixed {
            throw fail("wrong number of args for \(name): want at least \(fixed) got \(given)")
        }
        func parameter(_ position: Int) -> TemplateFunction.Parameter {
            position < fixed ? function.parameters[position] : function.variadic!
        }
        var values: [TemplateValue] = []
        let saved = at
        for (position, operand) in arguments.enumerated() {
            values.append(try argument(operand, as: parameter(position), dot: dot))
            at = saved
        }
        if let final { values.append(try validate(final, as: parameter(values.count))) }
        do {
            return try function.call(values, environment)
        } catch let error as TemplateFunctionError {
            throw fail("error calling \(name): \(error.message)")
        } catch {
            throw fail("error calling \(name): \(error)")
        }
    }

    /// An argument to a typed parameter: literals convert as Go's constants do,
    /// evaluated values must already have the type.
    private mutating func argument(
        _ operand: TemplateOperand, as parameter: TemplateFunction.Parameter, dot: TemplateValue
    )
        throws(TemplateError) -> TemplateValue
    {
        switch operand {
        case .number(let number):
            switch parameter {
            case .float:
                if case .int(let value) = number { return .float(Double(value)) }
                if case .float(let value) = number { return .float(value) }
            case .any, .value:
                switch number {
                case .int(let value): return .int(value)
                case .float(let value): return .float(value)
                }
            default: break
            }
            throw fail("expected \(parameter.goName); found \(Self.describe(number))")
        case .string(let text):
            guard [.string, .any, .value].contains(parameter) else {
                throw fail("expected \(parameter.goName); found \(GoPrintf.quote(text))")
            }
            return .string(text)
        case .bool(let value):
            guard [.any, .value].contains(parameter) else { throw fail("expected \(parameter.goName); found \(value)") }
            return .bool(value)
        case .nilValue:
            guard ![.string, .float].contains(parameter) else { throw fail("cannot assign nil to \(parameter.goName)") }
            return try validate(.missing, as: parameter)
        case .dot:
            return try validate(dot, as: parameter)
        case .function(let name):
            return try validate(try call(name, arguments: [], final: nil, dot: dot), as: parameter)
        case .field(let names):
            return try validate(try fields(names, of: dot, hasArguments: false), as: parameter)
        case .variable(let name, let names):
            let value = variable(name)
            return try validate(
                names.isEmpty ? value : try fields(names, of: value, hasArguments: false), as: parameter)
        case .parenthesized(let pipeline, let names):
            let value = try evaluate(pipeline, dot: dot)
            return try validate(
                names.isEmpty ? value : try fields(names, of: value, hasArguments: false), as: parameter)
        }
    }

    private static func describe(_ number: TemplateNumber) -> String {
        switch number {
        case .int(let value): return String(value)
        case .float(let value): return GoFloat.shortest(value, verb: "g")
        }
    }

    private func validate(_ value: TemplateValue, as parameter: TemplateFunction.Parameter) throws(TemplateError)
        -> TemplateValue
    {
        switch (parameter, value) {
        case (.any, _), (.value, _): return value
        case (.string, .string), (.float, .float), (.queryResult, .samples), (.sample, .sample): return value
        case (.queryResult, .missing): return .samples([])
        case (.sample, .missing): return .sample(nil)
        case (_, .missing): throw fail("invalid value; expected \(parameter.goName)")
        default: throw fail("wrong type for value; expected \(parameter.goName); got \(value.typeName)")
        }
    }
}
