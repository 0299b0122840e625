/// What `medgym serve --http` is told: where to listen, and whether the page may write to the store
/// it shows (the store itself is handed to ``ViewerServer/run(_:store:ready:)``).
public struct ViewerOptions: Sendable, Hashable {
    /// The address to bind: loopback unless told otherwise (the pages show every stored trace).
    public var host = "127.0.0.1"
    /// 0 asks the system for a free port (the URL printed says which).
    public var port = 8080
    /// Whether a fork made from the page may be saved into the store (read-only otherwise).
    public var allowSave = false
    /// Whether the live page may start episodes (recorded into the store as `medgym run` records them).
    public var allowRun = false

    public init() {}
}
