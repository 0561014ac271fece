import Alerting
public import InfermonConfig
import InfermonCore
import Judge
import LLMOps
import Logging
import Notify
import Quality
import Scrape
import Server

#if canImport(Glibc)
    import Glibc
#endif

/// What `serve` checks before it opens anything, and all that `config check`
/// runs: one code path, so a configuration the check passes is one the daemon
/// starts with. Every problem is reported, not just the first: listen address
/// and token, token file, price table, rule files (an explicit pattern that
/// matches nothing is a mistake), receivers' URL files and variables, the
/// judge's key and prompt, scrape token files.
package enum StartupCheck {
    /// Shortest bearer token accepted: guessable tokens are no access control.
    static let minimumTokenLength = 16

    package static func problems(_ config: Configuration, environment: [String: String]) -> [any Error] {
        var problems = ProblemCollector()
        problems.check {
            let listen = try config.server.hostAndPort()
            let token = try config.server.tokenFile.map { try readToken(path: $0) }
            _ = try AccessPolicy(token: token, listeningOnLoopback: AccessPolicy.isLoopback(host: listen.host))
        }
        problems.check { _ = try config.pricing.loadTable(logger: Logger(label: "infermon.check")) }
        problems.check { _ = try AlertingWiring.ruleGroups(config) }
        if config.rules.ruleFiles != RulesConfig.defaultRuleFiles {
            let base = config.rules.baseDirectory(configFile: config.file)
            for pattern in config.rules.ruleFiles {
                problems.check {
                    guard try RuleFiles.expand([pattern], relativeTo: base).isEmpty else { return }
                    throw InfermonError.invalidInput(
                        "rule_files: \"\(pattern)\" matches no file"
                            + (pattern.hasPrefix("/") ? "" : " (relative patterns are taken from \(base))"))
                }
            }
        }
        problems.check { _ = try config.notifications.resolve(environment: environment) }
        if let judge = config.llmJudge, config.quality.enabled {
            problems.check {
                _ = try LLMJudgeOptions.resolveAPIKey(
                    environmentVariable: judge.apiKeyEnvironmentVariable, file: judge.apiKeyFile,
                    environment: environment)
            }
            if let template = judge.promptTemplateFile { problems.check { _ = try readSmallFile(template) } }
        }
        for job in config.scrape.jobs {
            guard let file = job.targets.first?.bearerTokenFile else { continue }
            problems.check {
                guard access(file, R_OK) == 0 else {
                    throw InfermonError.invalidInput("scrape job \(job.name): bearer_token_file \(file) cannot be read")
                }
            }
        }
        return problems.problems
    }

    /// The bearer token in `path`: present, and long enough to be a secret.
    package static func readToken(path: String) throws -> String {
        let token: String
        do {
            token = try readTextFile(path).trimmingWhitespace
        } catch {
            throw InfermonError.invalidInput("server.auth.token_file \(path) cannot be read: \(error)")
        }
        guard token.count >= minimumTokenLength else {
            throw InfermonError.invalidInput(
                "server.auth.token_file \(path) holds \(token.count) characters; use at least \(minimumTokenLength)"
                    + " (e.g. openssl rand -hex 32 > \(path))")
        }
        return token
    }
}
