/// Field access: the alert data's `.Labels`/`.Value`…, map keys (a missing key
/// of a label map is empty, as with `missingkey=zero`), and query samples.
extension TemplateExecutor {
    static let dataType =
        "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }"

    func fields(_ names: [String], of receiver: TemplateValue, hasArguments: Bool) throws(TemplateError)
        -> TemplateValue
    {
        var value = receiver
        for (position, name) in names.enumerated() {
            if hasArguments && position == names.count - 1 {
                throw fail("\(name) has arguments but cannot be invoked as function")
            }
            value = try field(name, of: value)
        }
        return value
    }

    private func field(_ name: String, of value: TemplateValue) throws(TemplateError) -> TemplateValue {
        switch value {
        case .data(let data):
            switch name {
            case "Labels": return .stringMap(data.labels)
            case "ExternalLabels": return .stringMap(data.externalLabels)
            case "ExternalURL": return .string(data.externalURL)
            case "Value": return .float(data.value)
            default: throw fail("can't evaluate field \(name) in type \(Self.dataType)")
            }
        case .stringMap(let map): return .string(map[name] ?? "")
        case .anyMap(let map): return map[name] ?? .missing
        case .sample(let sample):
            guard let sample else { throw fail("nil pointer evaluating *template.sample.\(name)") }
            switch name {
            case "Labels": return .stringMap(sample.labels)
            case "Value": return .float(sample.value)
            default: throw fail("can't evaluate field \(name) in type *template.sample")
            }
        case .missing: throw fail("nil pointer evaluating interface {}.\(name)")
        default: throw fail("can't evaluate field \(name) in type \(value.typeName)")
        }
    }
}
