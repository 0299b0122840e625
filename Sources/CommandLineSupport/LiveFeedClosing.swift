import TraceStore

/// Writes what a command's live feed holds, stops it, and says on stderr if it had stopped on an
/// error (the episodes were recorded all the same).
public func close(_ feed: LiveFeed?) {
    feed?.close()
    if let problem = feed?.problem { warn("\(problem); the episodes were recorded all the same") }
}
