/// What `medgym serve --http` is told: where to listen, which store it shows, and whether the page
/// may write to it.
public struct ViewerOptions: Sendable, Hashable {
    /// The address to bind: loopback unless told otherwise (the pages show every stored trace).
    public var host = "127.0.0.1"
    /// 0 asks the system for a free port (the URL printed says which).
    public var port = 8080
    /// The trace store file.
    public var storePath: String
    /// Whether a fork made from the page may be saved into the store (read-only otherwise).
    public var allowSave = false
    /// Whether the live page may start episodes (recorded into the store as `medgym run` records them).
    public var allowRun = false

    public init(storePath: String) { self.storePath = storePath }
}
