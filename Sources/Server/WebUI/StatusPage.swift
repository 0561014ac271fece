import Hummingbird
import InfermonCore

/// Renders `/status`: readiness and version, each component's health (as
/// `/api/v1/status/components`), the file sources with what they ingested and
/// how many bytes each file is behind, and a summary of the configuration.
enum StatusPage {
    static func render(_ status: WebUIStatus.Snapshot, tokenConfigured: Bool, now: Timestamp) -> Response {
        var body = "<h2>Daemon</h2>"
        body += #"<table id="daemon"><tbody>"#
        body += row("Version", HTML.escape(status.version))
        let readiness =
            status.ready.ready
            ? #"<span class="up">ready</span>"#
            : #"<span class="down">not ready</span>: "# + HTML.escape(status.ready.reason)
        body += row("Readiness", readiness)
        body += row("Time (UTC)", HTML.time(now))
        body += row(
            "Writes",
            tokenConfigured ? "need the bearer token" : "refused: no <code>server.auth.token_file</code> configured")
        body += "</tbody></table>"
        body += components(status.components)
        body += sources(status.sources)
        body += "<h2>Configuration</h2>"
        if status.configuration.isEmpty {
            body += #"<p class="note">No summary available.</p>"#
        } else {
            body += #"<table id="configuration"><tbody>"#
            for entry in status.configuration {
                let value = entry.value.isEmpty ? #"<span class="note">none</span>"# : HTML.escape(entry.value)
                body += row(HTML.escape(entry.key), value)
            }
            body += "</tbody></table>"
        }
        return HTMLPage.response(title: "Status", tab: .status, body: body)
    }

    static func components(_ components: [ComponentStatus]) -> String {
        var out = "<h2>Components (\(components.count))</h2>"
        guard !components.isEmpty else { return out + #"<p class="note">No component has reported yet.</p>"# }
        out += #"<table id="components"><thead><tr><th>Component</th><th>State</th><th>Since</th>"#
        out += "<th>Failures</th><th>Last error</th></tr></thead><tbody>"
        for component in components {
            let state = component.up ? #"<span class="up">up</span>"# : #"<span class="down">down</span>"#
            out += #"<tr class="component"><td>\#(HTML.escape(component.component))</td><td>\#(state)</td>"#
            out += "<td>\(HTML.escape(component.since))</td>"
            out += #"<td class="num">\#(component.failures)</td><td>\#(HTML.escape(component.error ?? ""))</td></tr>"#
        }
        return out + "</tbody></table>"
    }

    static func sources(_ sources: [WebUIStatus.Source]) -> String {
        var out = "<h2>File sources (\(sources.count))</h2>"
        guard !sources.isEmpty else { return out + #"<p class="note">No file source is running.</p>"# }
        out += #"<table id="sources"><thead><tr><th>Source</th><th>Events since start</th><th>Rejected lines</th>"#
        out += "<th>Lag (bytes not yet read, per file)</th></tr></thead><tbody>"
        for source in sources {
            out += #"<tr class="source" data-source="\#(HTML.escape(source.name))">"#
            out += "<td>\(HTML.escape(source.name))</td>"
            out += #"<td class="num events">\#(source.events)</td><td class="num">\#(source.rejectedLines)</td><td>"#
            if source.lag.isEmpty {
                out += #"<span class="note">no file open</span>"#
            } else {
                let total = source.lag.reduce(Int64(0)) { $0 + $1.bytes }
                out += #"<b class="lag-total">\#(total)</b> in total<br>"#
                out += source.lag.map { file in
                    #"<span class="label">\#(HTML.escape(file.path))</span>: \#(file.bytes)"#
                }.joined(separator: "<br>")
            }
            out += "</td></tr>"
        }
        return out + "</tbody></table>"
    }

    static func row(_ key: String, _ value: String) -> String {
        "<tr><th>\(key)</th><td>\(value)</td></tr>"
    }
}
