import ArgumentParser
import Foundation
import InfermonDaemon

/// `infermon manual`: the man page, generated from the argument parser's own
/// description of every command (`--experimental-dump-help`), so it cannot
/// drift from `--help`. install.sh writes it to share/man/man1/infermon.1.
/// swift-argument-parser's `generate-manual` plugin does the same but builds the
/// whole package in release mode first; this needs only the binary.
struct ManualCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manual",
        abstract: "Print the manual page (roff, man(7) macros) generated from the command tree.",
        shouldDisplay: false
    )

    func run() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        process.arguments = ["--experimental-dump-help"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("--experimental-dump-help exited with \(process.terminationStatus)")
        }
        let tool = try JSONDecoder().decode(ManualPage.ToolInfo.self, from: data)
        print(ManualPage.render(tool.command, version: InfermonVersion.current), terminator: "")
    }
}

/// Renders ArgumentParser's tool description (ToolInfoV0) as man(7).
enum ManualPage {
    struct ToolInfo: Decodable {
        var command: Command
    }

    struct Command: Decodable {
        var commandName: String
        var abstract: String?
        var discussion: String?
        var shouldDisplay: Bool?
        var arguments: [Argument]?
        var subcommands: [Command]?
    }

    struct Argument: Decodable {
        struct Name: Decodable {
            var kind: String
            var name: String
        }
        var kind: String
        var names: [Name]?
        var valueName: String?
        var abstract: String?
        var discussion: String?
        var defaultValue: String?
        var allValues: [String]?
        var isOptional: Bool
        var isRepeating: Bool
        var shouldDisplay: Bool
    }

    static func render(_ root: Command, version: String) -> String {
        var out = ".TH INFERMON 1 \"\" \"infermon \(version)\" \"User Commands\"\n"
        out += ".SH NAME\ninfermon \\- \(escape(root.abstract ?? ""))\n"
        out += ".SH SYNOPSIS\n.B infermon\n.I command\n.RI [ options ]\n"
        if let discussion = root.discussion { out += ".SH DESCRIPTION\n\(paragraphs(discussion))" }
        out += ".SH OPTIONS\n" + options(root, top: true)
        out += ".SH COMMANDS\n"
        for command in visible(root.subcommands) { out += section(command, path: ["infermon"]) }
        out += """
            .SH FILES
            .TP
            .I /etc/infermon/infermon.yaml
            The configuration read by the systemd unit; check it with \\fBinfermon config check\\fR \
            and the host with \\fBinfermon doctor\\fR.
            .TP
            .I /etc/infermon/token
            The bearer token (mode 0600), handed to the service by \\fBLoadCredential=\\fR.
            .TP
            .I /etc/default/infermon
            Environment of the service: secrets named by \\fB*_env\\fR keys.
            .TP
            .I /var/lib/infermon/infermon.db
            The store (the unit's \\fBStateDirectory=\\fR).
            .SH SEE ALSO
            .BR systemctl (1),
            .BR journalctl (1),
            .BR promtool (1)

            """
        return out
    }

    private static func visible(_ commands: [Command]?) -> [Command] {
        (commands ?? []).filter { $0.shouldDisplay != false && $0.commandName != "help" }
    }

    private static func section(_ command: Command, path: [String]) -> String {
        let path = path + [command.commandName]
        var out = ".SS \"\(escape(path.joined(separator: " ")))\"\n"
        if let abstract = command.abstract, !abstract.isEmpty { out += paragraphs(abstract) }
        if let discussion = command.discussion, !discussion.isEmpty { out += ".PP\n" + paragraphs(discussion) }
        out += options(command)
        for sub in visible(command.subcommands) { out += section(sub, path: path) }
        return out
    }

    /// The arguments of `command`; every command's --help and --version only once, at the top.
    private static func options(_ command: Command, top: Bool = false) -> String {
        var out = ""
        for argument in command.arguments ?? [] where argument.shouldDisplay {
            let names = Set((argument.names ?? []).map(\.name))
            if !top, argument.kind == "flag", names == ["help", "h"] || names == ["version"] { continue }
            out += ".TP\n" + term(argument) + "\n"
            var text = argument.abstract ?? ""
            if let values = argument.allValues, !values.isEmpty {
                text += " (values: \(values.joined(separator: ", ")))"
            }
            if let value = argument.defaultValue, !value.isEmpty { text += " (default: \(value))" }
            out += text.isEmpty ? "\\&\n" : paragraphs(text)
            if let discussion = argument.discussion, !discussion.isEmpty { out += paragraphs(discussion) }
        }
        return out
    }

    private static func term(_ argument: Argument) -> String {
        let value = argument.valueName.map { "\\fI<\(escape($0))>\\fR" } ?? ""
        var term: String
        if argument.kind == "positional" {
            term = value
        } else {
            term = (argument.names ?? []).map { name in
                let dashes = name.kind == "long" ? "\\-\\-" : "\\-"
                return "\\fB\(dashes)\(escape(name.name))\\fR"
            }.joined(separator: ", ")
            if argument.kind == "option" { term += " " + value }
        }
        if argument.isRepeating { term += " ..." }
        return term
    }

    /// Text as roff: escaped, each line safe from being read as a request.
    private static func paragraphs(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let escaped = escape(String(line))
            if escaped.isEmpty { return ".PP" }
            return escaped.hasPrefix(".") || escaped.hasPrefix("'") ? "\\&" + escaped : escaped
        }.joined(separator: "\n") + "\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case _ where scalar.value > 127:
                // groff reads bytes: name anything beyond ASCII by its code point.
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
