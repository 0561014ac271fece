import Hummingbird
import InfermonCore
import Query

/// Renders `/alerts`: firing alerts, then pending ones, each with its labels,
/// since when, its value and annotations, a link to its rule's expression in
/// `/graph`, and a button that opens the silence form filled with its labels.
/// An alert an active silence matches is marked as silenced.
enum AlertsPage {
    struct Entry {
        var rule: RuleStatus
        var group: String
        var alert: ActiveAlertStatus
    }

    static func render(groups: [RuleGroupStatus], silences: [Silence], now: Timestamp) -> Response {
        var entries: [Entry] = []
        var alertingRules = 0
        for group in groups {
            for rule in group.rules where rule.kind == .alerting {
                alertingRules += 1
                entries += rule.alerts.map { Entry(rule: rule, group: group.name, alert: $0) }
            }
        }
        let firing = entries.filter { $0.alert.state == "firing" }
        let pending = entries.filter { $0.alert.state == "pending" }
        var body = #"<p class="note">"#
        body += "\(alertingRules) alerting rule(s) in \(groups.count) group(s): "
        body += #"<span class="state-firing">\#(firing.count) firing</span>, "#
        body += #"<span class="state-pending">\#(pending.count) pending</span>.</p>"#
        body += section("Firing", id: "firing", firing, silences: silences, now: now)
        body += section("Pending", id: "pending", pending, silences: silences, now: now)
        let broken = groups.flatMap { group in group.rules.filter { $0.health == .err } }
        if !broken.isEmpty {
            body += "<h2>Rules failing to evaluate</h2><ul>"
            for rule in broken {
                body += "<li><b>\(HTML.escape(rule.name))</b>: \(HTML.escape(rule.lastError ?? "unknown error"))</li>"
            }
            body += "</ul>"
        }
        return HTMLPage.response(title: "Alerts", tab: .alerts, body: body)
    }

    static func section(_ title: String, id: String, _ entries: [Entry], silences: [Silence], now: Timestamp)
        -> String
    {
        var out = #"<h2>\#(title) (\#(entries.count))</h2>"#
        guard !entries.isEmpty else { return out + #"<p class="note" id="\#(id)-none">None.</p>"# }
        out += #"<table id="\#(id)"><thead><tr><th>Alert</th><th>Labels</th><th>Active since</th>"#
        out += "<th>Value</th><th>Annotations</th><th></th></tr></thead><tbody>"
        for entry in entries {
            let labels = entry.alert.labels
            let name = labels["alertname"] ?? entry.rule.name
            let silencedBy = silences.first { $0.mutes(labels, at: now) }
            out += #"<tr class="alert alert-\#(HTML.escape(entry.alert.state))" "#
            out += #"data-labels="\#(HTML.escape(labels.description))">"#
            out += #"<td><b>\#(HTML.escape(name))</b><br><span class="note">\#(HTML.escape(entry.group))</span>"#
            out += #"<br><a href="\#(HTML.escape(HTML.graphLink(entry.rule.query)))">expression</a></td>"#
            out += "<td>\(HTML.labels(labels))</td>"
            out += "<td>\(HTML.time(entry.alert.activeAt))</td>"
            out += #"<td class="num">\#(HTML.escape(formatPrometheusFloat(entry.alert.value)))</td>"#
            out += "<td>" + annotations(entry.alert.annotations) + "</td><td>"
            if let silencedBy {
                out += #"<span class="muted silenced">silenced</span><br><a href="/silences#silence-"#
                out += HTML.escape(HTML.queryEscape(silencedBy.id)) + #"">see silence</a>"#
            } else {
                out += #"<a class="button silence" href="\#(HTML.escape(silenceLink(labels)))">Silence…</a>"#
            }
            out += "</td></tr>"
        }
        return out + "</tbody></table>"
    }

    static func annotations(_ annotations: [String: String]) -> String {
        annotations.keys.sorted().map { key in
            "<b>\(HTML.escape(key))</b>: \(HTML.escape(annotations[key]!))"
        }.joined(separator: "<br>")
    }

    /// `/silences?matchers={…}` with one equality matcher per label of the alert.
    static func silenceLink(_ labels: Labels) -> String {
        let matchers = labels.pairs.map { "\($0.name)=\"\(escapeLabelValue($0.value))\"" }
        return "/silences?matchers=" + HTML.queryEscape("{" + matchers.joined(separator: ", ") + "}")
    }
}
