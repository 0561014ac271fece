import InfermonCore
import Testing

/// The query escaping behind the template function `queryEscape` (as Go's
/// `url.QueryEscape`) and the web UI's links.
@Suite struct PercentEncodingTests {
    @Test func escapesAsGoQueryEscapeDoes() {
        // Go: url.QueryEscape(`rate(x{a="b c"}[5m]) & ü/~`)
        #expect(
            PercentEncoding.queryComponent(#"rate(x{a="b c"}[5m]) & ü/~"#, spaceAsPlus: true)
                == "rate%28x%7Ba%3D%22b+c%22%7D%5B5m%5D%29+%26+%C3%BC%2F~")
    }

    @Test func spacesArePercentEncodedForLinks() {
        #expect(PercentEncoding.queryComponent("a b+c") == "a%20b%2Bc")
        #expect(PercentEncoding.queryComponent("AZaz09-_.~") == "AZaz09-_.~")
    }
}
