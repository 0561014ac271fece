import Dashboard
import Foundation
import InfermonCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Dashboard files")
struct DashboardFileTests {
    static let minimal = """
        title: Test
        variables:
          model: "gpt.*"
        rows:
          - height: 4
            panels:
              - title: Rate
                kind: stat
                query: sum(rate(infermon_requests_total{model=~"$model"}[5m]))
                unit: req/s
                thresholds: [{color: green}, {value: 5, color: red}]
          - panels:
              - title: Alerts
                kind: alerts
                width: 2
        """

    @Test func parsesRowsPanelsVariablesAndThresholds() throws {
        let spec = try DashboardParser.parse(Self.minimal, file: "dashboards/test.yaml")
        #expect(spec.name == "test")
        #expect(spec.title == "Test")
        #expect(spec.variables == [.init(name: "model", defaultValue: "gpt.*")])
        #expect(spec.rows.map(\.height) == [4, nil])
        #expect(spec.panels.map(\.kind) == [.stat, .alerts])
        #expect(spec.panels[0].thresholds.color(for: 6) == .red)
        #expect(spec.panels[0].thresholds.color(for: 1) == .green)
        #expect(spec.panels[1].width == 2)
        #expect(spec.panels[0].queries[0].location == SourceLocation(file: "dashboards/test.yaml", line: 9, column: 16))
    }

    @Test func unknownKeysAndKindsPointAtTheLine() {
        let misspelt = Self.minimal.replacingFirst("unit: req/s", with: "units: req/s")
        #expect(throws: InfermonError.self) { try DashboardParser.parse(misspelt, file: "d.yaml") }
        do {
            _ = try DashboardParser.parse(misspelt, file: "d.yaml")
        } catch let error as InfermonError {
            #expect(error.location?.line == 10)
            #expect(error.message.contains("unknown key \"units\" (did you mean \"unit\"?)"))
        } catch {}
        let badKind = Self.minimal.replacingFirst("kind: alerts", with: "kind: pie")
        do {
            _ = try DashboardParser.parse(badKind, file: "d.yaml")
            Issue.record("accepted a pie")
        } catch let error as InfermonError {
            #expect(error.description.hasPrefix("d.yaml:14:"))
        } catch {}
    }

    @Test func aBadQueryIsReportedAtItsPositionInTheFile() throws {
        let broken = Self.minimal.replacingFirst("[5m]))", with: "[5m])")
        do {
            _ = try DashboardParser.parse(broken, file: "d.yaml")
            Issue.record("accepted a broken query")
        } catch let error as InfermonError {
            // The query has a variable, so the position is the query's start.
            #expect(error.location == SourceLocation(file: "d.yaml", line: 9, column: 16))
            #expect(error.message.contains("parse error"))
        }
        let plain = """
            rows:
              - panels:
                  - title: x
                    kind: graph
                    query: "rate(foo[5m]"
            """
        do {
            _ = try DashboardParser.parse(plain, file: "p.yaml")
            Issue.record("accepted a broken query")
        } catch let error as InfermonError {
            // Without variables the parser's own column is kept, inside the quotes.
            #expect(error.location?.line == 5)
            #expect((error.location?.column ?? 0) > 20)
        }
    }

    @Test func unknownVariablesAreErrors() {
        let text = Self.minimal.replacingFirst("$model", with: "$modle")
        #expect(throws: InfermonError.self) { try DashboardParser.parse(text, file: "d.yaml") }
    }

    @Test func variablesSubstituteLikeGrafana() {
        let scope = VariableScope(values: ["model": "gpt-4o", "__range": "6h"])
        #expect(
            scope.substitute(#"sum(increase(x{model="$model"}[$__range])) + ${model}"#)
                == #"sum(increase(x{model="gpt-4o"}[6h])) + gpt-4o"#)
        // label_replace's $1 and a regex's $ are not variables.
        #expect(
            scope.substitute(#"label_replace(x, "a", "$1", "b", "(.*)$")"#)
                == #"label_replace(x, "a", "$1", "b", "(.*)$")"#)
        #expect(VariableScope.references(in: "$a + ${b_c} + $1") == ["a", "b_c"])
        #expect(formatLegend("{{model}} / {{ route }}", labels: Labels(["model": "m", "route": "/r"])) == "m / /r")
    }

    @Test func everyShippedDashboardAndGrafanaFileChecks() throws {
        let root = repositoryRoot()
        let files = DashboardChecker.defaultFiles(root: root + "/dashboards")
        let names = files.map { DashboardParser.dashboardName(file: $0) }
        #expect(names.filter { ["overview", "cost", "quality"].contains($0) }.count == 3)
        #expect(files.filter { $0.hasSuffix(".json") }.count == 3)
        for outcome in DashboardChecker.check(files) {
            #expect(outcome.error == nil, "\(outcome.file): \(outcome.error?.description ?? "")")
        }
    }

    @Test func grafanaErrorsPointAtTheExpression() throws {
        let json = """
            {
              "title": "t",
              "panels": [
                {"title": "a", "targets": [{"expr": "sum(rate(x[$__rate_interval]))"}]},
                {"title": "b", "targets": [{"expr": "sum(rate(x[5m])"}]}
              ]
            }
            """
        do {
            try GrafanaDashboard.check(json, file: "g.json")
            Issue.record("accepted a broken query")
        } catch let error as InfermonError {
            #expect(error.location?.line == 5)
            #expect(error.location.map { $0.column > 30 } == true)
        }
    }

    @Test func everyShippedDashboardFitsIn80x24() throws {
        let root = repositoryRoot()
        for file in ["overview", "cost", "quality"] {
            let spec = try DashboardLibrary.load("\(root)/dashboards/\(file).yaml")
            let layout = GridLayout(spec, in: Rect(x: 0, y: 1, width: 80, height: 22))
            for (index, frame) in layout.frames.enumerated() {
                #expect(frame.width >= 14 && frame.height >= 4, "\(file) panel \(index) is \(frame)")
                #expect(frame.maxX <= 80 && frame.maxY <= 23)
            }
        }
    }
}

func repositoryRoot(file: String = #filePath) -> String {
    var root = file
    while let slash = root.lastIndex(of: "/") {
        root = String(root[..<slash])
        if access(root + "/Package.swift", F_OK) == 0 { return root }
    }
    return "."
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = firstRange(of: target) else { return self }
        return self[..<range.lowerBound] + replacement + self[range.upperBound...]
    }
}

/// The dashboards built into the binary are the shipped files, byte for byte.
@Suite("Embedded dashboards")
struct EmbeddedDashboardTests {
    @Test func theBuiltInCopiesAreTheFilesInDashboards() throws {
        var root = #filePath
        while let slash = root.lastIndex(of: "/") {
            root = String(root[..<slash])
            if FileManager.default.fileExists(atPath: root + "/Package.swift") { break }
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: root + "/dashboards")
            .filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(EmbeddedDashboards.files.map(\.name).sorted() == names, "run scripts/embed-dashboards.py")
        for file in EmbeddedDashboards.files {
            let onDisk = try String(contentsOfFile: root + "/dashboards/" + file.name, encoding: .utf8)
            #expect(file.text + "\n" == onDisk, "\(file.name) differs: run scripts/embed-dashboards.py")
        }
        #expect(try DashboardLibrary.embedded().map(\.name) == ["overview", "cost", "quality"])
    }
}
