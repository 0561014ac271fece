#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes to descriptor 2 directly: the C `stderr` global is not concurrency-safe in Swift 6.
func printError(_ message: String) {
    var line = message + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

#if FUZZING
    /// Read once: libFuzzer calls the entry point millions of times, and a
    /// target that changed halfway through a run would make its corpus meaningless.
    private let selectedTarget: FuzzTarget = {
        guard let value = getenv("INFERMON_FUZZ_TARGET") else {
            printError("infermon-fuzz: set INFERMON_FUZZ_TARGET to one of: \(FuzzTargets.names)")
            exit(2)
        }
        let name = String(cString: value)
        guard let target = FuzzTargets.named(name) else {
            printError("infermon-fuzz: no target \"\(name)\"; one of: \(FuzzTargets.names)")
            exit(2)
        }
        return target
    }()

    /// Fails before the first input, so a misspelt target is not "fuzzed" for minutes doing nothing.
    @_cdecl("LLVMFuzzerInitialize")
    public func fuzzInitialize(_ argc: OpaquePointer?, _ argv: OpaquePointer?) -> Int32 {
        _ = selectedTarget.name
        return 0
    }

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        selectedTarget.run(UnsafeBufferPointer(start: data, count: size))
        return 0
    }

    /// libFuzzer's driver, the function its own `main` calls (compiler-rt's FuzzerDriver.cpp).
    @_extern(c, "LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<Int32>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
        _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
    ) -> Int32

    /// SwiftPM links every executable with `main` defined as `<module>_main` (so
    /// that tests can import executables), which keeps libFuzzer's own `main` out
    /// of the link; this stands in for it and starts the same driver.
    @_cdecl("infermon_fuzz_main")
    public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
        _ = selectedTarget.name
        var argc = argc
        var argv = argv
        return runFuzzerDriver(&argc, &argv) { data, size in fuzzTestOneInput(data, size) }
    }
#else
    /// The same targets without libFuzzer: `make test` replays the committed
    /// corpora and regressions with this, so a parser change that breaks on a
    /// known input fails in the ordinary build.
    @main
    struct FuzzCommand {
        static let usage = """
            usage: infermon-fuzz list
                   infermon-fuzz replay TARGET FILE_OR_DIR...
                   infermon-fuzz replay-all FUZZ_DIR    (FUZZ_DIR/{corpus,regressions}/TARGET/*)
            Fuzzing itself needs the libFuzzer build: scripts/fuzz.sh (make fuzz).
            """

        static func main() {
            let arguments = Array(CommandLine.arguments.dropFirst())
            do {
                switch arguments.first {
                case "list":
                    for target in FuzzTargets.all {
                        print(target.name.padding(13) + " " + target.feeds)
                    }
                case "replay" where arguments.count >= 3:
                    guard let target = FuzzTargets.named(arguments[1]) else {
                        printError("infermon-fuzz: no target \"\(arguments[1])\"; one of: \(FuzzTargets.names)")
                        exit(2)
                    }
                    let count = try Replay.run(target, paths: Array(arguments.dropFirst(2)))
                    print("\(target.name): \(count) inputs, no crash")
                case "replay-all" where arguments.count == 2:
                    let counts = try Replay.runAll(fuzzDirectory: arguments[1])
                    let total = counts.reduce(0) { $0 + $1.inputs }
                    let parts = counts.map { "\($0.target) \($0.inputs)" }.joined(separator: ", ")
                    print("fuzz replay: \(total) inputs, no crash (\(parts))")
                default:
                    printError(usage)
                    exit(2)
                }
            } catch {
                printError("infermon-fuzz: \(error)")
                exit(1)
            }
        }
    }

    extension String {
        fileprivate func padding(_ width: Int) -> String {
            count >= width ? self : self + String(repeating: " ", count: width - count)
        }
    }
#endif
