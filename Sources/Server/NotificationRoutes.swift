public import Hummingbird
public import InfermonCore

/// `GET /api/v1/notifications?limit=N`: the newest entries of the notification
/// log, one per aggregation group and receiver integration (what was last sent
/// there), newest first. Not a Prometheus endpoint; `infermon dash` shows it
/// as "recent notifications".
///
///     {"data":{"notifications":[{"alerts":["HighErrorRatio"],"firing":1,
///      "group":"{}:{alertname=\"HighErrorRatio\"}","receiver":"oncall/slack[0]",
///      "resolved":0,"sentAt":"2026-11-28T02:25:48Z"}]},"status":"success"}
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
            return try APIResponse.json(encoding: Answer(Array(entries)))
        }
    }

    struct Answer: Encodable {
        struct Notification: Encodable {
            var sentAt: String
            var receiver: String
            var group: String
            var alerts: [String]
            var firing: Int
            var resolved: Int
        }
        struct Notifications: Encodable { var notifications: [Notification] }

        var status = "success"
        var data: Notifications

        init(_ entries: [NotificationLogEntry]) {
            data = Notifications(
                notifications: entries.map { entry in
                    Notification(
                        sentAt: TimeParsing.formatRFC3339(entry.sentAt), receiver: entry.integration,
                        group: entry.groupKey, alerts: Set(entry.firing.map(\.name)).sorted(),
                        firing: entry.firing.count, resolved: entry.resolved.count)
                })
        }
    }
}
