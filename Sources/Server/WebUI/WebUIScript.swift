/// The one script the pages carry, inline: it makes the silence buttons write
/// through the same HTTP API `amtool` uses (`POST /api/v2/silences`,
/// `DELETE /api/v2/silence/{id}`), so a write passes the same access control.
///
/// The bearer token, when the server has one, is typed into the password
/// field `#token` and sent only as the `Authorization` header of those
/// `fetch()` calls; the field sits outside every form, so no submission puts
/// it into a URL. It is kept in the tab's `sessionStorage` (gone when the tab
/// closes) so the next page does not ask again. Because a cross-site page
/// cannot set that header, the writes need no other CSRF protection.
enum WebUIScript {
    static let source = #"""
        "use strict";
        function infermonToken() {
          var field = document.getElementById("token");
          if (field && field.value) {
            try { sessionStorage.setItem("infermon.token", field.value); } catch (e) {}
            return field.value;
          }
          try { return sessionStorage.getItem("infermon.token") || ""; } catch (e) { return ""; }
        }
        async function infermonWrite(method, url, body) {
          var headers = {};
          var token = infermonToken();
          if (token) headers["Authorization"] = "Bearer " + token;
          if (body !== undefined) headers["Content-Type"] = "application/json";
          var response = await fetch(url, {
            method: method, headers: headers, credentials: "omit", cache: "no-store",
            body: body === undefined ? undefined : JSON.stringify(body)
          });
          var text = await response.text();
          if (!response.ok) throw new Error(response.status + " " + response.statusText + ": " + text);
          return text;
        }
        function infermonShow(text, isError) {
          var out = document.getElementById("write-result");
          if (!out) return;
          out.textContent = text;
          out.className = isError ? "error" : "note";
        }
        function infermonDuration(text) {
          var units = { ms: 1, s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 };
          var pattern = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g, total = 0, used = 0, match;
          while ((match = pattern.exec(text)) !== null) { total += parseFloat(match[1]) * units[match[2]]; used += match[0].length; }
          return used === text.trim().length && total > 0 ? total : null;
        }
        async function infermonCreateSilence(event) {
          event.preventDefault();
          var form = event.target, matchers = [];
          form.querySelectorAll(".matcher-row").forEach(function (row) {
            var name = row.querySelector("[name=name]").value.trim();
            if (!name) return;
            var op = row.querySelector("[name=op]").value;
            matchers.push({ name: name, value: row.querySelector("[name=value]").value,
              isRegex: op === "=~" || op === "!~", isEqual: op === "=" || op === "=~" });
          });
          var millis = infermonDuration(form.elements.duration.value);
          if (!matchers.length) { infermonShow("add at least one matcher", true); return; }
          if (millis === null) { infermonShow("duration: write it as 2h, 30m or 1d12h", true); return; }
          var now = Date.now();
          try {
            var text = await infermonWrite("POST", "/api/v2/silences", {
              matchers: matchers, startsAt: new Date(now).toISOString(), endsAt: new Date(now + millis).toISOString(),
              createdBy: form.elements.createdBy.value, comment: form.elements.comment.value
            });
            infermonShow("created silence " + JSON.parse(text).silenceID, false);
            location.assign("/silences");
          } catch (error) { infermonShow(String(error.message || error), true); }
        }
        async function infermonExpire(button) {
          try {
            await infermonWrite("DELETE", "/api/v2/silence/" + encodeURIComponent(button.dataset.id));
            location.assign("/silences");
          } catch (error) { infermonShow(String(error.message || error), true); }
        }
        function infermonAddMatcher() {
          var rows = document.querySelectorAll(".matcher-row"), last = rows[rows.length - 1];
          var copy = last.cloneNode(true);
          copy.querySelectorAll("input").forEach(function (input) { input.value = ""; });
          last.after(copy);
        }
        document.addEventListener("DOMContentLoaded", function () {
          var field = document.getElementById("token");
          if (field && !field.value) { try { field.value = sessionStorage.getItem("infermon.token") || ""; } catch (e) {} }
          var form = document.getElementById("silence-form");
          if (form) form.addEventListener("submit", infermonCreateSilence);
          var add = document.getElementById("add-matcher");
          if (add) add.addEventListener("click", infermonAddMatcher);
          document.querySelectorAll("button.expire").forEach(function (button) {
            button.addEventListener("click", function () { infermonExpire(button); });
          });
          document.body.dataset.ready = "1";
        });
        """#
}
