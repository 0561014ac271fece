/// The version `infermon --version`, the health routes and the web UI report.
package enum InfermonVersion {
    package static let current = "0.1.0"
}
