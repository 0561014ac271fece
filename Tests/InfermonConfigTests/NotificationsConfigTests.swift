import InfermonConfig
import InfermonCore
import Notify
import Testing

@Suite struct NotificationsConfigTests {
    static let example = """
        notifications:
          external_url: http://infermon.example:9464
          route:
            receiver: team
            group_by: [alertname, model]
            group_wait: 10s
            routes:
              - matchers: ['severity="critical"', 'team=~"ml|ai"']
                receiver: pager
                continue: true
                group_by: ['...']
          receivers:
            - name: team
              webhook_configs:
                - url: https://hooks.example.com/infermon
                  secret_env: HOOK_SECRET
                  max_alerts: 20
              slack_configs:
                - url_file: /etc/infermon/slack-url
            - name: pager
              alertmanager_configs:
                - url: http://127.0.0.1:9093
                  resend_interval: 30s
              teams_configs:
                - url: https://prod.workflows.example/run
                  rate_limit: 2/s burst 4
          inhibit_rules:
            - source_matchers: ['severity="critical"']
              target_matchers: ['severity="warning"']
              equal: [model]
          outbox:
            ttl: 6h
            initial_backoff: 2s
            max_backoff: 1m
            jitter: 0.1
        """

    @Test func parsesTheWholeSection() throws {
        let config = try ConfigurationLoader.load(text: Self.example, file: "infermon.yaml")
        let section = config.notifications
        #expect(section.isEnabled)
        #expect(section.externalURL == "http://infermon.example:9464")
        let route = try #require(section.route)
        #expect(route.groupBy == ["alertname", "model"])
        #expect(route.groupWait == .seconds(10))
        #expect(route.routes[0].matchers.map(\.description) == [#"severity="critical""#, #"team=~"ml|ai""#])
        #expect(route.routes[0].continueMatching)
        #expect(section.receivers.map(\.name) == ["team", "pager"])
        #expect(section.receivers[0].integrations.map(\.config.kind) == [.webhook, .slack])
        guard case .webhook(let webhook) = section.receivers[0].integrations[0].config else {
            Issue.record("not a webhook")
            return
        }
        #expect(webhook.maxAlerts == 20)
        #expect(section.receivers[0].integrations[0].secret?.description == "env HOOK_SECRET")
        guard case .alertmanager(let alertmanager) = section.receivers[1].integrations[0].config else {
            Issue.record("not an alertmanager")
            return
        }
        #expect(alertmanager.resendInterval == .seconds(30))
        #expect(section.receivers[1].integrations[1].config.endpoint.rateLimit?.perSecond == 2)
        #expect(section.receivers[1].integrations[1].config.endpoint.rateLimit?.burst == 4)
        #expect(section.inhibitRules[0].equal == ["model"])
        #expect(section.outbox.ttl == .seconds(6 * 3600))
        #expect(section.outbox.jitter == 0.1)
    }

    @Test func secretsComeFromTheEnvironmentAndNamedErrorsPointAtTheKey() throws {
        let config = try ConfigurationLoader.load(text: Self.example, file: "infermon.yaml")
        let secret = try #require(config.notifications.receivers[0].integrations[0].secret)
        #expect(try secret.resolve(environment: ["HOOK_SECRET": "whsec_abc"]) == "whsec_abc")
        do {
            _ = try secret.resolve(environment: [:])
            Issue.record("expected an error")
        } catch let error as InfermonError {
            #expect(error.location?.description == "infermon.yaml:16:23")
        }
    }

    @Test(arguments: [
        ("notifications:\n  route:\n    receiver: nobody\n  receivers: []\n", "infermon.yaml:3:15", "unknown receiver"),
        (
            "notifications:\n  route:\n    receiver: a\n    routes:\n      - matchers: ['sev=~\"(\"']\n  receivers:\n    - name: a\n",
            "infermon.yaml:5:20", "regular expression"
        ),
        (
            "notifications:\n  route: {receiver: a}\n  receivers:\n    - name: a\n      webhook_configs:\n        - url: file:///etc/passwd\n",
            "infermon.yaml:6:16", "only http"
        ),
        (
            "notifications:\n  route: {receiver: a, group_by: ['...', x]}\n  receivers: [{name: a}]\n",
            "infermon.yaml:2:34", "cannot be combined"
        ),
        ("notifications:\n  outbox: {jitter: 2}\n", "infermon.yaml:2:20", "jitter"),
    ])
    func errorsCarryFileLineAndColumn(text: String, location: String, message: String) {
        do {
            _ = try ConfigurationLoader.load(text: text, file: "infermon.yaml")
            Issue.record("expected an error for \(text)")
        } catch let error as InfermonError {
            #expect(error.location?.description == location, "\(error)")
            #expect(error.message.contains(message), "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
