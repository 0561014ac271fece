import Crypto
import Foundation
import InfermonCore
import InfermonTesting
import Notify
import Testing

/// Standard Webhooks signatures, checked against the specification's
/// reference vector and re-derived independently from what a receiver got.
@Suite struct SigningTests {
    @Test func matchesTheReferenceVector() throws {
        let secret = try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let signature = WebhookSigner.signature(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8),
            secret: secret)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect("\(secret)" == "whsec_<redacted>", "secrets never print")
    }

    @Test func configurationsPrintWithoutURLsOrSecrets() throws {
        let secret = try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        let endpoint = EndpointConfig(url: "https://hooks.slack.com/services/T0/B0/TOKENXYZ", secret: secret)
        for text in [
            "\(endpoint)", "\(IntegrationConfig.slack(SlackConfig(endpoint: endpoint)))", String(reflecting: endpoint),
        ] {
            #expect(!text.contains("TOKENXYZ"), "\(text)")
            #expect(!text.contains("MfKQ9r8"), "\(text)")
        }
    }

    @Test func rejectsMalformedSecrets() {
        #expect(throws: InfermonError.self) { try WebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") }
        #expect(throws: InfermonError.self) { try WebhookSecret("whsec_c2hvcnQ=") }
        #expect(throws: InfermonError.self) { try WebhookSecret("whsec_not base64!") }
    }

    @Test func receiverCanVerifyWhatItGot() async throws {
        let key = Array((0..<32).map { UInt8($0 * 7 % 256) })
        let secretText = "whsec_" + Data(key).base64EncodedString()
        let secret = try WebhookSecret(secretText)
        try await Harness.with(
            route: RouteSpec(receiver: "team", groupWait: .zero),
            receivers: { [webhookReceiver("team", $0, secret: secret)] }
        ) { h in
            let now = h.clock.now()
            try await h.dispatcher.send([alert("Signed", startsAt: now, endsAt: now + hour)])
            try await h.advance(by: 0)
            let request = try #require(h.receiver.requests.first)
            let id = try #require(request.header("webhook-id"))
            let timestamp = try #require(request.header("webhook-timestamp"))
            #expect(timestamp == String(now / 1000))
            let header = try #require(request.header("webhook-signature"))
            // Verification as a receiver does it: strip whsec_, base64-decode, HMAC id.timestamp.body.
            let decoded = try #require(Data(base64Encoded: String(secretText.dropFirst(6))))
            var signed = Data("\(id).\(timestamp).".utf8)
            signed.append(contentsOf: request.body)
            let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: decoded))
            #expect(header == "v1," + Data(mac).base64EncodedString())
            var tampered = request.body
            tampered[0] ^= 1
            var signedTampered = Data("\(id).\(timestamp).".utf8)
            signedTampered.append(contentsOf: tampered)
            let other = HMAC<SHA256>.authenticationCode(for: signedTampered, using: SymmetricKey(data: decoded))
            #expect(header != "v1," + Data(other).base64EncodedString())
        }
    }
}
