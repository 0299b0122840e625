/// Why a request to the viewer was not answered: an HTTP status and one line saying what to change.
struct ViewerError: Error, Sendable, Hashable, CustomStringConvertible {
    var status: Int
    var message: String
    /// The nearest valid values, when the request named something unknown.
    var suggestions: [String] = []

    var description: String { message }

    static func badRequest(_ message: String, suggestions: [String] = []) -> ViewerError {
        ViewerError(status: 400, message: message, suggestions: suggestions)
    }
}
