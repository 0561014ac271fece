import Dashboard
import Testing

@Suite("Screen buffer and diff")
struct ScreenTests {
    @Test func writeClipsToTheRectangleAndReplacesWideCharacters() {
        var screen = ScreenBuffer(width: 10, height: 2)
        let end = screen.write("hello world", x: 2, y: 0, clip: Rect(x: 0, y: 0, width: 8, height: 1))
        #expect(end == 8)
        #expect(screen.line(0) == "  hello   ")
        screen.write("a漢b\u{07}", x: 0, y: 1)
        #expect(screen.line(1) == "a?b?      ")
    }

    @Test func identicalFramesWriteNothing() {
        var screen = ScreenBuffer(width: 20, height: 5)
        screen.write("steady", x: 3, y: 2, style: .color(.green))
        #expect(ScreenDiff(colorMode: .ansi16).bytes(from: screen, to: screen).isEmpty)
    }

    @Test func onlyChangedCellsAreWritten() {
        var before = ScreenBuffer(width: 40, height: 10)
        before.write("requests 120", x: 0, y: 0)
        before.write("errors 3", x: 0, y: 5)
        var after = before
        after.write("7", x: 7, y: 5)
        let bytes = ScreenDiff(colorMode: .ansi16).bytes(from: before, to: after)
        let text = String(decoding: bytes, as: UTF8.self)
        // One jump to row 6, column 8 (1-based), one character, nothing else of the screen.
        #expect(text == "\u{1B}[6;8H7")
    }

    @Test func shortGapsAreRewrittenRatherThanJumped() {
        var before = ScreenBuffer(width: 40, height: 1)
        before.write("abcdefgh", x: 0, y: 0)
        var after = before
        after.write("X", x: 1, y: 0)
        after.write("Y", x: 4, y: 0)
        let text = String(decoding: ScreenDiff(colorMode: .ansi16).bytes(from: before, to: after), as: UTF8.self)
        #expect(text == "\u{1B}[1;2HXcdY")
    }

    @Test func firstFrameWritesEveryCellWithColours() {
        var screen = ScreenBuffer(width: 4, height: 2)
        screen.write("ok", x: 0, y: 0, style: .color(.green, bold: true))
        let text = String(decoding: ScreenDiff(colorMode: .ansi16).bytes(from: nil, to: screen), as: UTF8.self)
        #expect(text == "\u{1B}[1;1H\u{1B}[0;1;32mok\u{1B}[0m  \u{1B}[2;1H    ")
    }

    @Test func noColorDropsColoursButKeepsAlarmsBold() {
        var screen = ScreenBuffer(width: 6, height: 1)
        screen.write("ok", x: 0, y: 0, style: .color(.green))
        screen.write("bad", x: 3, y: 0, style: .color(.red))
        let text = String(decoding: ScreenDiff(colorMode: .none).bytes(from: nil, to: screen), as: UTF8.self)
        #expect(!text.contains("32m") && !text.contains("31m"))
        #expect(text.contains("\u{1B}[0;1mbad"))
    }

    @Test func styledTextForOnceKeepsColoursPerLine() {
        var screen = ScreenBuffer(width: 8, height: 2)
        screen.write("hi", x: 0, y: 1, style: .color(.red))
        let text = ScreenDiff(colorMode: .ansi16).styledText(screen)
        #expect(text == "\n\u{1B}[0;31mhi\u{1B}[0m\n")
    }

    @Test func unitsFormatShortly() {
        #expect(ValueUnit.short.format(1234) == "1.23k")
        #expect(ValueUnit.short.format(0.01234) == "0.0123")
        #expect(ValueUnit.ratio.format(0.0523) == "5.23%")
        #expect(ValueUnit.seconds.format(0.25) == "250ms")
        #expect(ValueUnit.seconds.format(4.5) == "4.5s")
        #expect(ValueUnit.usd.format(12.345) == "$12.35")
        #expect(ValueUnit.usd.format(0.00042) == "$0.00042")
        #expect(ValueUnit(name: "req/s").format(12) == "12 req/s")
        #expect(ValueUnit.bytes.format(2048) == "2 KiB")
    }

    @Test func keysDecodeFromRawBytes() {
        #expect(Key.decode([0x71]) == [.character("q")])
        #expect(Key.decode([0x1B]) == [.escape])
        #expect(Key.decode(Array("\u{1B}[A\u{1B}[Z\t\r".utf8)) == [.up, .backTab, .tab, .enter])
        #expect(Key.decode(Array("\u{1B}OC+".utf8)) == [.right, .character("+")])
        // An unknown sequence (F5) is skipped whole.
        #expect(Key.decode(Array("\u{1B}[15~r".utf8)) == [.character("r")])
        #expect(Key.decode([0x03]) == [.interrupt])
    }
}
