public import InfermonCore
import PostgresNIO

/// PostgresNIO's errors say only "PSQLError – Generic description…" when
/// printed; this says what went wrong for a person: the server's message, or
/// the connection's failure, with the URL (its password never in it).
public enum PostgresErrorText {
    public static func describe(_ error: any Error, url: String) -> any Error {
        guard let error = error as? PSQLError else { return error }
        if let message = error.serverInfo?[.message] {
            var detail = message
            if let hint = error.serverInfo?[.hint] { detail += " (hint: \(hint))" }
            return InfermonError.unavailable("PostgreSQL at \(url): \(detail)")
        }
        let underlying = error.underlying.map { ": \($0)" } ?? ""
        return InfermonError.unavailable("PostgreSQL at \(url): \(error.code)\(underlying)")
    }
}
