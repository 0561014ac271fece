public import InfermonCore

/// The event loop of `infermon dash`: keys, resizes, refresh ticks and fetched
/// data all arrive as events on one stream, and only this loop touches the
/// state and the screen. After each event the new frame is diffed against
/// the last one and only the changed cells are written.
public struct DashboardRunner: Sendable {
    public let fetcher: PanelFetcher
    public let clock: any WallClock
    public let glyphs: Glyphs
    public let colorMode: ColorMode
    /// A key that crashes the process on purpose: only the end-to-end test sets
    /// it, to prove the terminal is put back after a crash.
    public var crashKey: Unicode.Scalar?
    /// Re-reads the dashboard files; called on `r`, so an edited dashboard
    /// shows without restarting. A file that fails keeps the old ones shown.
    public var reloadDashboards: (@Sendable () throws -> [DashboardSpec])?

    public init(fetcher: PanelFetcher, clock: any WallClock, glyphs: Glyphs, colorMode: ColorMode) {
        self.fetcher = fetcher
        self.clock = clock
        self.glyphs = glyphs
        self.colorMode = colorMode
    }

    enum Event: Sendable {
        case input(InputReader.Event)
        case tick
        case data(generation: Int, [PanelData], at: Timestamp)
    }

    /// Runs until the user quits; the terminal is restored on every way out.
    public func run(_ initial: DashboardState) async throws {
        let terminal = try TerminalSession()
        defer { terminal.restore() }
        let reader = try InputReader(input: terminal.input)
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        reader.start { continuation.yield(.input($0)) }
        defer { reader.stop() }
        let ticker = Task { [clock] in
            while !Task.isCancelled {
                try? await clock.sleep(for: .seconds(1))
                continuation.yield(.tick)
            }
        }
        defer { ticker.cancel() }

        var state = initial
        var size = terminal.size()
        var screen = ScreenBuffer(width: size.width, height: size.height)
        var previous: ScreenBuffer? = nil
        var layout: GridLayout? = nil
        var generation = 0
        let diff = ScreenDiff(colorMode: colorMode)

        func refresh() {
            generation += 1
            state.refreshing = true
            let spec = state.dashboard
            let now = clock.now()
            let scope = state.scope(now: now)
            let window = state.window(now: now)
            let current = generation
            Task { [fetcher] in
                let data = await fetcher.fetch(spec, scope: scope, window: window)
                continuation.yield(.data(generation: current, data, at: now))
            }
        }

        func draw() {
            layout = DashboardView.render(
                state, into: &screen, context: RenderContext(glyphs: glyphs, now: clock.now()))
            let bytes = diff.bytes(from: previous, to: screen)
            if !bytes.isEmpty { terminal.write(bytes) }
            previous = screen
        }

        refresh()
        draw()
        loop: for await event in events {
            switch event {
            case .input(.keys(let keys)):
                for key in keys {
                    if let crashKey, key == .character(crashKey) { fatalError("crash requested by the test hook") }
                    switch state.handle(key, layout: layout) {
                    case .quit: break loop
                    case .refresh:
                        if let reloadDashboards {
                            do {
                                state.replaceDashboards(try reloadDashboards())
                                state.reloadError = nil
                            } catch {
                                state.reloadError = (error as? InfermonError)?.description ?? "\(error)"
                            }
                        }
                        refresh()
                    case .redraw, .none: break
                    }
                }
            case .input(.resize):
                size = terminal.size()
                screen = ScreenBuffer(width: size.width, height: size.height)
                previous = nil
                terminal.write(Array("\u{1B}[0m\u{1B}[2J".utf8))
            case .input(.closed):
                break loop
            case .tick:
                let due = state.lastRefresh.map { clock.now() - $0 >= state.refreshInterval.millis } ?? false
                if !state.paused && !state.refreshing && due { refresh() }
            case .data(let fetched, let data, let time):
                guard fetched == generation else { continue }
                state.panelData = data
                state.lastRefresh = time
                state.refreshing = false
            }
            draw()
        }
        continuation.finish()
    }

    /// One frame for `--once`: fetch, render at the given size, return the buffer.
    public func renderOnce(_ state: DashboardState, width: Int, height: Int) async -> ScreenBuffer {
        var state = state
        let now = clock.now()
        state.panelData = await fetcher.fetch(
            state.dashboard, scope: state.scope(now: now), window: state.window(now: now))
        state.lastRefresh = now
        var screen = ScreenBuffer(width: width, height: height)
        DashboardView.render(state, into: &screen, context: RenderContext(glyphs: glyphs, now: now))
        return screen
    }
}
