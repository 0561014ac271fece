/// The parse tree of a Go text/template, reduced to what execution needs.
/// Offsets are byte positions in the source, kept for error messages.
indirect enum TemplateNode: Sendable {
    case text(String)
    /// `{{ pipeline }}`: prints the value unless the pipeline declares variables.
    case action(TemplatePipeline)
    case conditional(Control)
    case range(Control)
    case with(Control)
    /// `{{ template "name" pipeline }}`.
    case include(name: String, pipeline: TemplatePipeline?, offset: Int)
    case breakLoop(offset: Int)
    case continueLoop(offset: Int)

    struct Control: Sendable {
        var pipeline: TemplatePipeline
        var body: [TemplateNode]
        var elseBody: [TemplateNode]?
        var offset: Int
    }
}

/// `$x := cmd | cmd`, or `$i, $e := …` in a range, or `$x = …`.
struct TemplatePipeline: Sendable {
    var declarations: [String]
    /// `=` rather than `:=`: assigns to variables declared earlier.
    var assigns: Bool
    var commands: [TemplateCommand]
    var offset: Int
    /// The source text, for `executing "…" at <…>` error context.
    var text: String
}

/// One stage of a pipeline: a function with arguments, or a single value.
struct TemplateCommand: Sendable {
    var operands: [TemplateOperand]
    var offset: Int
    var text: String
}

/// A Go template number: integers stay integers (`3`), anything with a point
/// or exponent is a float (`3.0`, `1e6`), as Go's ideal constants are typed.
enum TemplateNumber: Sendable, Equatable {
    case int(Int)
    case float(Double)
}

indirect enum TemplateOperand: Sendable {
    case dot
    case nilValue
    case bool(Bool)
    case number(TemplateNumber)
    case string(String)
    /// `.A.B` on the dot.
    case field([String])
    /// `$x.A.B`.
    case variable(String, fields: [String])
    /// A function name.
    case function(String)
    /// `(pipeline).A.B`.
    case parenthesized(TemplatePipeline, fields: [String])
}

/// A parsed template: the main body and any `{{define}}`d templates.
struct ParsedTemplate: Sendable {
    var name: String
    var source: String
    var body: [TemplateNode]
    var definitions: [String: [TemplateNode]]
}
