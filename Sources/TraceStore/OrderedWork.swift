import Foundation

/// The one ordered parallel map: work on up to `width` threads of its own,
/// results in index order, so what is written or printed from them is the
/// same for any width. Batches, verification, sweeps and corpus export all
/// use it.
public enum OrderedWork {
    /// `body(i)` for every `i` in 0..<count, on up to `width` threads (inline
    /// when `width` or `count` is 1); each result, or the error it threw, at
    /// its index. Threads of their own rather than `concurrentPerform`, which
    /// is only as wide as the machine's cores: work that waits on another
    /// process (a `cmd:` agent) runs `width` at once on two cores.
    public static func map<T>(_ count: Int, width: Int, _ body: @escaping @Sendable (Int) throws -> T) -> [Result<T, any Error>] {
        let slots = ResultSlots<T>(count: count)
        if width <= 1 || count <= 1 {
            for i in 0..<count { slots.set(i, Result { try body(i) }) }
        } else {
            let next = IndexCounter()
            let done = DispatchGroup()
            for _ in 0..<min(width, count) {
                done.enter()
                Thread {
                    while true {
                        let i = next.claim()
                        guard i < count else { break }
                        slots.set(i, Result { try body(i) })
                    }
                    done.leave()
                }.start()
            }
            done.wait()
        }
        return (0..<count).map(slots.get)
    }
}

/// One result slot per index, filled from any thread.
final class ResultSlots<Value>: @unchecked Sendable {
    private var slots: [Result<Value, any Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<Value, any Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    /// The result in slot `index` (a cancellation error if it was never filled).
    func get(_ index: Int) -> Result<Value, any Error> {
        lock.lock()
        defer { lock.unlock() }
        return slots[index] ?? .failure(CancellationError())
    }
}

/// Hands out 0, 1, 2, … to workers.
private final class IndexCounter: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()

    func claim() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value - 1
    }
}
