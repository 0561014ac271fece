import Hummingbird
import InfermonCore
import NIOCore

/// Escaping for everything that comes from data (labels, expressions,
/// comments, errors) before it goes into a page.
enum HTML {
    /// Text and attribute values: `&`, `<`, `>`, `"` and `'` become entities.
    static func escape(_ text: String) -> String { escapeHTML(text) }

    /// A query-string component: unreserved characters stay, every other byte is `%XX`.
    static func queryEscape(_ text: String) -> String { PercentEncoding.queryComponent(text) }

    /// `/graph?g0.expr=…&g0.tab=1`, the link alert rules put in `generatorURL`.
    static func graphLink(_ expression: String, tab: Int = 1) -> String {
        "/graph?g0.expr=\(queryEscape(expression))&g0.tab=\(tab)"
    }

    /// Labels as Prometheus writes them, `name{a="1", b="2"}`, each pair in a span for styling.
    static func labels(_ labels: Labels) -> String {
        let name = labels.name.map { #"<span class="metric">"# + escape($0) + "</span>" } ?? ""
        let rest = labels.pairs.filter { $0.name != Labels.metricName }
        if rest.isEmpty && !name.isEmpty { return name }
        let pairs = rest.map { pair in
            #"<span class="label">"# + escape(pair.name) + "=&quot;" + escape(escapeLabelValue(pair.value))
                + "&quot;</span>"
        }
        return name + "{" + pairs.joined(separator: ", ") + "}"
    }

    /// A time as RFC 3339 in UTC, or "never".
    static func time(_ millis: Timestamp?) -> String {
        millis.map { escape(TimeParsing.formatRFC3339($0)) } ?? "never"
    }
}

/// The frame every page shares: navigation, the stylesheet and the small
/// script the write buttons use. Nothing is fetched from elsewhere; the
/// Content-Security-Policy makes the browser refuse it too.
enum HTMLPage {
    enum Tab: String, CaseIterable {
        case graph = "Graph"
        case alerts = "Alerts"
        case silences = "Silences"
        case status = "Status"

        var path: String { "/" + rawValue.lowercased() }
    }

    static func response(title: String, tab: Tab, body: String, status: HTTPResponse.Status = .ok) -> Response {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>infermon · \(HTML.escape(title))</title>
            <style>\(stylesheet)</style>
            </head><body>
            <nav><span class="brand">infermon</span>
            """
        for item in Tab.allCases {
            let current = item == tab ? #" class="current" aria-current="page""# : ""
            html += #"<a href="\#(item.path)"\#(current)>\#(item.rawValue)</a>"#
        }
        html += "</nav>\n<main>\n<h1>\(HTML.escape(title))</h1>\n\(body)\n</main>\n"
        html += "<script>\(WebUIScript.source)</script>\n</body></html>\n"
        return Response(
            status: status,
            headers: [
                .contentType: "text/html; charset=utf-8",
                .contentSecurityPolicy:
                    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; "
                    + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                .cacheControl: "no-store",
                .xContentTypeOptions: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html)))
    }

    static let stylesheet = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2329;background:#f6f7f9}
        nav{background:#1d2b3a;padding:0 1rem;display:flex;gap:.25rem;align-items:center}
        nav a{color:#d7e2ee;text-decoration:none;padding:.7rem .8rem}
        nav a.current{color:#fff;background:#2f4861}
        nav .brand{color:#fff;font-weight:600;margin-right:1rem}
        main{padding:1rem 1.5rem;max-width:1200px}
        h1{font-size:1.3rem;margin:.2rem 0 1rem}h2{font-size:1.05rem;margin:1.4rem 0 .5rem}
        table{border-collapse:collapse;background:#fff;width:100%;margin-bottom:.5rem}
        th,td{border:1px solid #dde2e8;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#eef1f5;font-weight:600}
        td.num{text-align:right;font-variant-numeric:tabular-nums}
        .label,.metric{font-family:ui-monospace,monospace;font-size:12.5px}.metric{font-weight:600}
        code,pre,textarea,input.mono{font-family:ui-monospace,monospace}
        .error{color:#a4141c;background:#fdecee;border:1px solid #f3c2c6;padding:.4rem .6rem}
        .note{color:#5b6673}
        .state-firing,.down{color:#a4141c;font-weight:600}.state-pending{color:#9a6300;font-weight:600}
        .up{color:#17702f;font-weight:600}.muted{color:#5b6673}
        form.query textarea{width:100%;box-sizing:border-box;font-size:14px}
        form label{margin-right:.8rem}
        .button,button{display:inline-block;background:#2f6db3;color:#fff;border:0;border-radius:3px;
        padding:.3rem .7rem;font-size:13px;cursor:pointer;text-decoration:none}
        button.secondary{background:#6b7785}button.danger{background:#b3262f}
        .chart{background:#fff;border:1px solid #dde2e8}
        .legend{list-style:none;padding:0;margin:.3rem 0}.legend li{margin:.1rem 0}
        .swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.4rem;vertical-align:middle}
        """
}
