public import InfermonCore
import PostgresNIO

/// PostgresNIO's errors say only "PSQLError – Generic description…" when
/// printed; this says what went wrong for a person: the server's message, or
/// the connection's failure, with the URL (its password never in it); a
/// privilege refused says which rights a command needs.
public enum PostgresErrorText {
    public static func describe(_ error: any Error, url: String) -> any Error {
        guard let error = error as? PSQLError else { return error }
        if let message = error.serverInfo?[.message] {
            var detail = message
            if let hint = error.serverInfo?[.hint] { detail += " (hint: \(hint))" }
            if error.serverInfo?[.sqlState] == PostgresStore.insufficientPrivilege {
                detail +=
                    ": the role in the URL may not do what this command does (commands that only read need SELECT "
                    + "on infermon's tables; commands that write also INSERT, UPDATE and DELETE, and USAGE on its sequences)"
            }
            return InfermonError.unavailable("PostgreSQL at \(url): \(detail)")
        }
        let underlying = error.underlying.map { ": \($0)" } ?? ""
        return InfermonError.unavailable("PostgreSQL at \(url): \(error.code)\(underlying)")
    }
}
