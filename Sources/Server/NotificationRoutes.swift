import Hummingbird
import InfermonCore

/// `GET /api/v1/notifications?limit=N`: the newest entries of the notification
/// log, one per aggregation group and receiver integration (what was last sent
/// there), newest first. Not a Prometheus endpoint; `infermon dash` shows it
/// as "recent notifications".
///
///     {"status":"success","data":{"notifications":[{"sentAt":"2026-11-28T02:25:48Z",
///      "receiver":"oncall/slack[0]","group":"{}:{alertname=\"HighErrorRatio\"}",
///      "alerts":["HighErrorRatio"],"firing":1,"resolved":0}]}}
public struct NotificationRoutes: HTTPRouteModule {
    let log: any NotificationLogStore
    let defaultLimit = 20
    let maximumLimit = 500

    public init(log: any NotificationLogStore) { self.log = log }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/notifications") { request, _ in
            var limit = defaultLimit
            if let text = request.uri.queryParameters["limit"] {
                guard let value = Int(String(text)), value > 0 else {
                    return APIResponse.error(
                        status: .badRequest, type: "bad_data", message: "limit must be a positive whole number")
                }
                limit = min(value, maximumLimit)
            }
            let entries = try await log.notificationLog().sorted { $0.sentAt > $1.sentAt }.prefix(limit)
            return APIResponse.json(Self.encode(Array(entries)))
        }
    }

    static func encode(_ entries: [NotificationLogEntry]) -> String {
        var body = #"{"status":"success","data":{"notifications":["#
        for (index, entry) in entries.enumerated() {
            if index > 0 { body += "," }
            body += #"{"sentAt":"#
            writeJSONString(TimeParsing.formatRFC3339(entry.sentAt), to: &body)
            body += #","receiver":"#
            writeJSONString(entry.integration, to: &body)
            body += #","group":"#
            writeJSONString(entry.groupKey, to: &body)
            body += #","alerts":["#
            let names = Set(entry.firing.map(\.name)).sorted()
            for (position, name) in names.enumerated() {
                if position > 0 { body += "," }
                writeJSONString(name, to: &body)
            }
            body += #"],"firing":\#(entry.firing.count),"resolved":\#(entry.resolved.count)}"#
        }
        return body + "]}}"
    }
}
