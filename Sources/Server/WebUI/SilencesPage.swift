import Hummingbird
import InfermonCore

/// What the silence form starts with: `/silences?matchers={a="1"}&comment=…`
/// (the alerts page's buttons link so), or one empty matcher.
struct SilencePrefill {
    var matchers: [LabelMatcher] = []
    var comment = ""
    var duration = "2h"
    var problem: String?

    init(_ parameters: FormParameters) {
        if let text = parameters["matchers"], !text.isEmpty {
            do {
                matchers = try LabelMatcher.parseList(text)
            } catch {
                problem = "matchers \"\(text)\": \((error as? InfermonError)?.message ?? "\(error)")"
            }
        }
        comment = parameters["comment"] ?? ""
        if let duration = parameters["duration"], TimeParsing.durationMillis(duration) != nil {
            self.duration = duration
        }
    }
}

/// Renders `/silences`: the form that creates one (through `POST
/// /api/v2/silences`, see `WebUIScript`), then the active, pending and
/// expired silences, the first two with an expire button.
enum SilencesPage {
    static let operators: [LabelMatcher.Operator] = [.equal, .notEqual, .matchRegex, .notMatchRegex]

    static func render(silences: [Silence], prefill: SilencePrefill, tokenConfigured: Bool, now: Timestamp)
        -> Response
    {
        var body = "<h2>New silence</h2>"
        if let problem = prefill.problem { body += #"<p class="error">\#(HTML.escape(problem))</p>"# }
        body += tokenField(configured: tokenConfigured)
        body += form(prefill)
        body += #"<p id="write-result" class="note" role="status"></p>"#
        for state in [Silence.State.active, .pending, .expired] {
            let matching = silences.filter { $0.state(at: now) == state }
            body += table(state, matching)
        }
        return HTMLPage.response(title: "Silences", tab: .silences, body: body)
    }

    /// The token field sits outside the form: a submission never carries it.
    static func tokenField(configured: Bool) -> String {
        guard configured else {
            return #"<p class="error" id="no-token">This server has no token configured, so it refuses "#
                + "every write, silences included: set <code>server.auth.token_file</code>.</p>"
        }
        return #"<p><label>Bearer token <input type="password" id="token" autocomplete="off" size="30" "#
            + #"placeholder="server.auth.token_file's content"></label> "#
            + #"<span class="note">sent only as the Authorization header of the write</span></p>"#
    }

    static func form(_ prefill: SilencePrefill) -> String {
        var out = #"<form id="silence-form" method="post" action="/api/v2/silences">"#
        out += "<table><thead><tr><th>Label</th><th>Match</th><th>Value</th></tr></thead><tbody>"
        let rows = prefill.matchers.isEmpty ? [nil] : prefill.matchers.map { Optional($0) }
        for matcher in rows {
            out +=
                #"<tr class="matcher-row"><td><input name="name" class="mono" value="\#(HTML.escape(matcher?.name ?? ""))"></td>"#
            out += #"<td><select name="op">"#
            for op in operators {
                let selected = (matcher?.op ?? .equal) == op ? " selected" : ""
                out +=
                    #"<option value="\#(HTML.escape(op.rawValue))"\#(selected)>\#(HTML.escape(op.rawValue))</option>"#
            }
            out += #"</select></td><td><input name="value" class="mono" size="40" "#
            out += #"value="\#(HTML.escape(matcher?.value ?? ""))"></td></tr>"#
        }
        out += "</tbody></table>"
        out += #"<p><button type="button" class="secondary" id="add-matcher">Add matcher</button></p>"#
        out += #"<p><label>Duration <input name="duration" size="8" value="\#(HTML.escape(prefill.duration))"></label>"#
        out += #"<label>Created by <input name="createdBy" size="16" value="web ui"></label>"#
        out += #"<label>Comment <input name="comment" id="comment" size="40" "#
        out += #"value="\#(HTML.escape(prefill.comment))"></label>"#
        out += #"<button type="submit" id="create-silence">Create silence</button></p>"#
        out += "<noscript><p class=\"error\">Creating and expiring silences here needs JavaScript; "
        out += "<code>infermon silence add</code> or <code>amtool</code> work without it.</p></noscript>"
        return out + "</form>"
    }

    static func table(_ state: Silence.State, _ silences: [Silence]) -> String {
        let title = state.rawValue.prefix(1).uppercased() + state.rawValue.dropFirst()
        var out = "<h2>\(title) (\(silences.count))</h2>"
        guard !silences.isEmpty else { return out + #"<p class="note">None.</p>"# }
        out += #"<table id="silences-\#(state.rawValue)"><thead><tr><th>Matchers</th><th>Starts</th><th>Ends</th>"#
        out += "<th>Created by</th><th>Comment</th><th>ID</th><th></th></tr></thead><tbody>"
        for silence in silences {
            let id = HTML.escape(silence.id)
            out += #"<tr class="silence silence-\#(state.rawValue)" id="silence-\#(id)" data-id="\#(id)">"#
            let matchers = silence.matchers.map { #"<span class="label">\#(HTML.escape($0.description))</span>"# }
            out += "<td>\(matchers.joined(separator: "<br>"))</td>"
            out += "<td>\(HTML.time(silence.startsAt))</td><td>\(HTML.time(silence.endsAt))</td>"
            out += "<td>\(HTML.escape(silence.createdBy))</td><td>\(HTML.escape(silence.comment))</td>"
            out += #"<td><code>\#(id)</code></td><td>"#
            if state != .expired {
                out += #"<button type="button" class="danger expire" data-id="\#(id)">Expire</button>"#
            }
            out += "</td></tr>"
        }
        return out + "</tbody></table>"
    }
}
