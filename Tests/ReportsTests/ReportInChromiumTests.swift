import Foundation
import InfermonCore
import InfermonTesting
import Reports
import Testing

/// The HTML report as a person sees it: opened from a file in a real headless
/// Chromium, with nothing but the file to load. The DOM must hold every section
/// with its charts drawn at a readable size, and a screenshot of the whole page
/// must show them (decoded by the browser itself and its pixels counted).
@Suite(
    "Report in headless Chromium", .serialized,
    .enabled(if: HeadlessChromium.executable != nil, "chromium is not installed (apt-get install chromium)"))
struct ReportInChromiumTests {
    static let width = 1100

    @Test func everySectionAndChartIsOnThePage() async throws {
        let fixture = try await ReportFixture()
        let report = await fixture.report()
        let html = HTMLReportRenderer.render(report)
        let path = fixture.directory.file("report.html")
        try html.write(toFile: path, atomically: true, encoding: .utf8)

        // Self-contained: nothing it could fetch.
        for outside in ["<script", "<link", "<img", "@import", "url(", "https://", "src="] {
            #expect(!html.contains(outside), "the report refers to \(outside)")
        }
        #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://") == false)

        let browser = try await HeadlessChromium(
            executable: HeadlessChromium.executable!, directory: fixture.directory.path)
        defer { browser.discard() }
        try await Self.setViewport(browser)
        try await browser.navigate("file://" + path)
        #expect(try await browser.evaluate("performance.getEntriesByType('resource').length") as? Int == 0)

        let sections =
            try await browser.evaluate(
                "Array.from(document.querySelectorAll('main > section')).map(s => s.id + '|' + s.querySelector('h2').innerText)"
            ) as? [String]
        #expect(sections == HTMLReportRenderer.sections.map { "\($0.id)|\($0.title)" })

        // Lines, dots and bars drawn in each section's charts.
        let marks = try #require(
            try await browser.evaluate(
                """
                Object.fromEntries(Array.from(document.querySelectorAll('main > section')).map(s =>
                  [s.id, s.querySelectorAll('svg polyline, svg circle, svg rect.bar, svg line.series').length]))
                """) as? [String: Int])
        #expect(marks["traffic"] ?? 0 >= 3, "requests per second of two models, chat's error rate: \(marks)")
        #expect(marks["latency"] ?? 0 >= 3, "\(marks)")
        #expect(marks["cost"] ?? 0 >= 3, "spend per hour and the budget's two bars: \(marks)")
        #expect(marks["hallucination"] ?? 0 >= 4, "\(marks)")
        #expect(marks["performance"] ?? 0 >= 11, "the reliability curve and its ten bins: \(marks)")
        // Every chart has a readable size on screen and its lines span the plot.
        #expect(
            try await browser.evaluate(
                """
                Array.from(document.querySelectorAll('svg.chart')).every(s => {
                  const r = s.getBoundingClientRect(); return r.width >= 300 && r.height >= 80 })
                """) as? Bool == true)
        #expect(
            try await browser.evaluate(
                """
                Array.from(document.querySelectorAll('#traffic polyline')).every(p => p.getBBox().width > 400)
                """) as? Bool == true)
        let text = try await browser.bodyText()
        for expected in ["ChatErrorRate", "chat-daily", "promote", "hold ×2, promote ×1", "features.age", "ppi", "ece"]
        {
            #expect(text.contains(expected), "\(expected) is not on the page")
        }

        // The whole page as a PNG, then its pixels: ink on a light page, in many colours.
        let png = try await Self.screenshot(browser)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        let pixels = try await Self.pixelStatistics(browser, png: png)
        #expect(pixels.width == Self.width && pixels.height > 2500, "\(pixels)")
        #expect(pixels.ink > 0.04, "share of pixels that are not background: \(pixels)")
        #expect(pixels.colors > 40, "distinct colours: \(pixels)")
        if let keep = ProcessInfo.processInfo.environment["INFERMON_REPORT_SCREENSHOT"] {
            try Data(png).write(to: URL(fileURLWithPath: keep))
        }

        // The same measure on an empty page finds nothing: the check above can fail.
        let blank = fixture.directory.file("blank.html")
        try "<!DOCTYPE html><html><body style=\"background:#f8fafc\"></body></html>".write(
            toFile: blank, atomically: true, encoding: .utf8)
        try await browser.navigate("file://" + blank)
        let empty = try await Self.pixelStatistics(browser, png: try await Self.screenshot(browser))
        #expect(empty.ink < 0.001 && empty.colors < 3, "\(empty)")
        await browser.close()
    }

    @Test func aQuietPeriodSaysWhatIsMissing() async throws {
        let fixture = try await ReportFixture(withSeries: false)
        let path = fixture.directory.file("quiet.html")
        try HTMLReportRenderer.render(await fixture.report()).write(toFile: path, atomically: true, encoding: .utf8)
        let browser = try await HeadlessChromium(
            executable: HeadlessChromium.executable!, directory: fixture.directory.path)
        defer { browser.discard() }
        try await browser.navigate("file://" + path)
        func section(_ id: String) async throws -> String {
            try await browser.evaluate("document.getElementById('\(id)').innerText") as? String ?? ""
        }
        #expect(try await section("performance").contains("No labels"))
        #expect(try await section("canaries").contains("No canaries"))
        #expect(try await section("incidents").contains("No alert fired"))
        #expect(try await section("hallucination").contains("No hallucination rate"))
        #expect(try await browser.evaluate("document.querySelectorAll('#performance svg').length") as? Int == 0)
        // The traffic is still there, with its charts.
        #expect(
            try await browser.evaluate("document.querySelectorAll('#traffic svg polyline').length") as? Int ?? 0 >= 2)
        await browser.close()
    }

    static func setViewport(_ browser: HeadlessChromium) async throws {
        try await browser.send(
            "Emulation.setDeviceMetricsOverride",
            ["width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false], inPage: true)
    }

    /// The full page, beyond the viewport.
    static func screenshot(_ browser: HeadlessChromium) async throws -> [UInt8] {
        try await setViewport(browser)
        let height = try await browser.evaluate("document.documentElement.scrollHeight") as? Int ?? 900
        let shot = try await browser.send(
            "Page.captureScreenshot",
            [
                "format": "png", "captureBeyondViewport": true,
                "clip": ["x": 0, "y": 0, "width": width, "height": height, "scale": 1],
            ], inPage: true)
        let base64 = try #require(shot["data"] as? String)
        return Array(try #require(Data(base64Encoded: base64)))
    }

    struct Pixels: CustomStringConvertible {
        var width: Int
        var height: Int
        /// Share of pixels (of every 4th) far from the page's background colour.
        var ink: Double
        /// Distinct colours at 4 bits per channel.
        var colors: Int
        var description: String { "\(width)×\(height), ink \(ink), \(colors) colours" }
    }

    /// Decodes the PNG in the browser (an image drawn on a canvas) and counts its pixels.
    static func pixelStatistics(_ browser: HeadlessChromium, png: [UInt8]) async throws -> Pixels {
        let result = try #require(
            try await browser.evaluate(
                """
                (async () => {
                  const image = new Image();
                  image.src = 'data:image/png;base64,\(Data(png).base64EncodedString())';
                  await image.decode();
                  const canvas = document.createElement('canvas');
                  canvas.width = image.width; canvas.height = image.height;
                  const context = canvas.getContext('2d');
                  context.drawImage(image, 0, 0);
                  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
                  let ink = 0, seen = 0;
                  const colors = new Set();
                  for (let i = 0; i < data.length; i += 16) {
                    const r = data[i], g = data[i + 1], b = data[i + 2];
                    seen++;
                    if (Math.abs(r - 248) + Math.abs(g - 250) + Math.abs(b - 252) > 40) ink++;
                    colors.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
                  }
                  return [canvas.width, canvas.height, ink / seen, colors.size];
                })()
                """, timeoutSeconds: 60) as? [Any])
        return Pixels(
            width: result[0] as? Int ?? 0, height: result[1] as? Int ?? 0,
            ink: (result[2] as? Double) ?? Double(result[2] as? Int ?? 0), colors: result[3] as? Int ?? 0)
    }
}
