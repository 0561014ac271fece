import Foundation
import InfermonCore
public import Query

/// Reads the Prometheus HTTP API's JSON (the shape `PrometheusJSON` writes):
/// the `status`/`data` envelope, the four result types, `[seconds, "value"]`
/// points, and the error envelope, whose message is what a panel shows.
public enum PrometheusResponseDecoder {
    public static func queryResult(_ body: [UInt8]) throws -> QueryResult {
        try queryResult(data: envelope(body))
    }

    /// The `data` member of a query answer, already taken out of its envelope.
    public static func queryResult(data: Any?) throws -> QueryResult {
        guard let data = data as? [String: Any], let type = data["resultType"] as? String else {
            throw InfermonError.invalidInput("response has no data.resultType")
        }
        let result = data["result"]
        switch type {
        case "scalar":
            return .scalar(try point(result))
        case "string":
            guard let pair = result as? [Any], pair.count == 2, let text = pair[1] as? String else {
                throw InfermonError.invalidInput("malformed string result")
            }
            return .string(text, at: try timestamp(pair[0]))
        case "vector":
            let items = result as? [[String: Any]] ?? []
            return .vector(
                try items.map { item in
                    let sample = try point(item["value"])
                    return InstantSample(
                        labels: labels(item["metric"]), timestamp: sample.timestamp, value: sample.value)
                })
        case "matrix":
            let items = result as? [[String: Any]] ?? []
            return .matrix(
                try items.map { item in
                    let values = item["values"] as? [Any] ?? []
                    return Series(labels: labels(item["metric"]), samples: try values.map(point))
                })
        default:
            throw InfermonError.invalidInput("unknown resultType \"\(type)\"")
        }
    }

    /// `/api/v1/alerts`: `{"data":{"alerts":[{"labels","annotations","state","activeAt","value"}]}}`.
    public static func alerts(_ body: [UInt8]) throws -> [ActiveAlert] {
        let data = try envelope(body)
        guard let list = (data as? [String: Any])?["alerts"] as? [[String: Any]] else {
            throw InfermonError.invalidInput("response has no data.alerts")
        }
        return list.map { item in
            ActiveAlert(
                labels: labels(item["labels"]), annotations: item["annotations"] as? [String: String] ?? [:],
                state: item["state"] as? String ?? "firing",
                activeAt: (item["activeAt"] as? String).flatMap { TimeParsing.rfc3339Millis($0) },
                value: item["value"] as? String ?? "")
        }
    }

    /// `/api/v1/notifications`: `{"data":{"notifications":[{"sentAt","receiver","alerts","firing","resolved"}]}}`.
    public static func notifications(_ body: [UInt8]) throws -> [NotificationRecord] {
        let data = try envelope(body)
        guard let list = (data as? [String: Any])?["notifications"] as? [[String: Any]] else {
            throw InfermonError.invalidInput("response has no data.notifications")
        }
        return list.map { item in
            NotificationRecord(
                sentAt: (item["sentAt"] as? String).flatMap { TimeParsing.rfc3339Millis($0) } ?? 0,
                receiver: item["receiver"] as? String ?? "", alertNames: item["alerts"] as? [String] ?? [],
                firing: (item["firing"] as? NSNumber)?.intValue ?? 0,
                resolved: (item["resolved"] as? NSNumber)?.intValue ?? 0)
        }
    }

    /// The `data` member of a success envelope; the API's own message for an error one.
    static func envelope(_ body: [UInt8]) throws -> Any? {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(body))
        } catch {
            let start = String(decoding: body.prefix(120), as: UTF8.self)
            throw InfermonError.invalidInput("response is not JSON: \(start)")
        }
        guard let object = parsed as? [String: Any] else {
            throw InfermonError.invalidInput("response is not an object")
        }
        if object["status"] as? String == "error" {
            let type = object["errorType"] as? String ?? "error"
            throw InfermonError.invalidInput("\(type): \(object["error"] as? String ?? "unknown error")")
        }
        return object["data"]
    }

    private static func labels(_ value: Any?) -> Labels {
        Labels((value as? [String: String]) ?? [:])
    }

    private static func point(_ value: Any?) throws -> Sample {
        guard let pair = value as? [Any], pair.count == 2, let text = pair[1] as? String else {
            throw InfermonError.invalidInput("malformed sample")
        }
        guard let number = Double(text) else { throw InfermonError.invalidInput("malformed sample value \"\(text)\"") }
        return Sample(try timestamp(pair[0]), number)
    }

    private static func timestamp(_ value: Any) throws -> Timestamp {
        guard let seconds = (value as? NSNumber)?.doubleValue else {
            throw InfermonError.invalidInput("malformed timestamp")
        }
        return Timestamp((seconds * 1000).rounded())
    }
}
