import InfermonCore

/// Query results and errors as the Prometheus HTTP API writes them, byte for
/// byte where clients care: `status`/`data`/`resultType`/`result`, timestamps as
/// float seconds (`1712345678.123`), values as strings (`"42"`, `"NaN"`, `"+Inf"`),
/// and the error envelope with `errorType`. Pure: the server only writes the bytes.
public enum PrometheusJSON {
    /// `errorType` values of the Prometheus API, with their HTTP status codes.
    public enum ErrorType: String, Sendable {
        case badData = "bad_data"
        case execution
        case timeout
        case canceled
        case `internal`
        case unavailable
        case notFound = "not_found"

        public var httpStatus: Int {
            switch self {
            case .badData: return 400
            case .execution: return 422
            case .timeout: return 503
            case .canceled: return 499
            case .internal: return 500
            case .unavailable: return 503
            case .notFound: return 404
            }
        }
    }

    /// `{"status":"success","data":{"resultType":…,"result":…}}`, with `warnings` when any.
    public static func encode(_ result: QueryResult, warnings: [String] = []) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        append(#"{"status":"success","data":{"resultType":""#, to: &out)
        append(result.typeName, to: &out)
        append(#"","result":"#, to: &out)
        switch result {
        case .scalar(let sample):
            appendPoint(sample.timestamp, valueText: formatPrometheusFloat(sample.value), to: &out)
        case .string(let text, let time):
            appendPoint(time, valueText: text, to: &out)
        case .vector(let samples):
            out.append(UInt8(ascii: "["))
            for (index, sample) in samples.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                append(#"{"metric":"#, to: &out)
                appendLabels(sample.labels, to: &out)
                append(#","value":"#, to: &out)
                appendPoint(sample.timestamp, valueText: formatPrometheusFloat(sample.value), to: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append(UInt8(ascii: "]"))
        case .matrix(let series):
            out.append(UInt8(ascii: "["))
            for (index, item) in series.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                append(#"{"metric":"#, to: &out)
                appendLabels(item.labels, to: &out)
                append(#","values":["#, to: &out)
                for (position, sample) in item.samples.enumerated() {
                    if position > 0 { out.append(UInt8(ascii: ",")) }
                    appendPoint(sample.timestamp, valueText: formatPrometheusFloat(sample.value), to: &out)
                }
                append("]}", to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "}"))
        appendWarnings(warnings, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// `{"status":"error","errorType":…,"error":…}`.
    public static func encodeError(_ type: ErrorType, _ message: String) -> [UInt8] {
        var out: [UInt8] = []
        append(#"{"status":"error","errorType":""#, to: &out)
        append(type.rawValue, to: &out)
        append(#"","error":"#, to: &out)
        appendString(message, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The error type Prometheus would report for an error from `PromQL.parse` or
    /// `QueryEngine`: bad queries are `bad_data` (400), failures of evaluation such
    /// as many-to-many matches or the sample limit are `execution` (422), the
    /// deadline is `timeout` (503).
    public static func errorType(of error: any Error) -> ErrorType {
        guard let error = error as? InfermonError else {
            return error is CancellationError ? .canceled : .internal
        }
        if error.isInvalidArgument { return .badData }
        if error.isInvalidInput || error.isLimitExceeded { return .execution }
        if error.isTimeout { return .timeout }
        if error.isUnavailable { return .unavailable }
        return .internal
    }

    /// The HTTP status and body for any error a query raised.
    public static func encode(error: any Error) -> (status: Int, body: [UInt8]) {
        let type = errorType(of: error)
        let message = (error as? InfermonError)?.description ?? "\(error)"
        return (type.httpStatus, encodeError(type, message))
    }

    // MARK: Pieces

    private static func append(_ text: String, to out: inout [UInt8]) { out.append(contentsOf: text.utf8) }

    private static func appendWarnings(_ warnings: [String], to out: inout [UInt8]) {
        guard !warnings.isEmpty else { return }
        append(#","warnings":["#, to: &out)
        for (index, warning) in warnings.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(warning, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// `[seconds.millis,"value"]`; the fraction is written only when non-zero, as
    /// Prometheus does (`1712345678.1` is written `1712345678.100`).
    static func appendPoint(_ timestamp: Timestamp, valueText: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        appendTimestamp(timestamp, to: &out)
        out.append(UInt8(ascii: ","))
        appendString(valueText, to: &out)
        out.append(UInt8(ascii: "]"))
    }

    static func appendTimestamp(_ timestamp: Timestamp, to out: inout [UInt8]) {
        var millis = timestamp
        if millis < 0 {
            out.append(UInt8(ascii: "-"))
            millis = -millis
        }
        appendDigits(millis / 1000, to: &out)
        let fraction = millis % 1000
        if fraction != 0 {
            out.append(UInt8(ascii: "."))
            if fraction < 100 { out.append(UInt8(ascii: "0")) }
            if fraction < 10 { out.append(UInt8(ascii: "0")) }
            appendDigits(fraction, to: &out)
        }
    }

    /// Decimal digits of a non-negative number, without building a String.
    private static func appendDigits(_ value: Int64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(truncatingIfNeeded: value) + UInt8(ascii: "0"))
            return
        }
        appendDigits(value / 10, to: &out)
        out.append(UInt8(truncatingIfNeeded: value % 10) + UInt8(ascii: "0"))
    }

    static func appendLabels(_ labels: Labels, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, label) in labels.pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(label.name, to: &out)
            out.append(UInt8(ascii: ":"))
            appendString(label.value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// A JSON string; control characters escaped, other UTF-8 written as is.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): append("\\\"", to: &out)
            case UInt8(ascii: "\\"): append("\\\\", to: &out)
            case 0x0A: append("\\n", to: &out)
            case 0x0D: append("\\r", to: &out)
            case 0x09: append("\\t", to: &out)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                append("\\u00", to: &out)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
