import InfermonCore

/// Plain-language pieces the chat receivers share.
enum AlertText {
    /// The annotation people read first: `summary`, else `description`, else the alert name.
    static func summary(_ alert: Alert) -> String {
        alert.annotations["summary"] ?? alert.annotations["description"] ?? alert.name
    }

    /// `model="gpt-4o", route="/chat"`: the labels other than the alert name.
    static func labelList(_ labels: Labels) -> String {
        labels.pairs.filter { $0.name != "alertname" }.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ", ")
    }

    static func state(_ group: NotificationGroup, _ alert: Alert) -> String {
        group.isResolved(alert) ? "resolved" : "firing"
    }

    /// `and 3 more` for the alerts a chat message leaves out.
    static func more(_ count: Int) -> String? { count > 0 ? "…and \(count) more" : nil }
}
