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
    /// `body(worker, item)` for every item, the items split into one contiguous share per worker, each
    /// share on a thread of its own with its own worker: worker w serves share w only, so a worker that
    /// must not be shared between threads (a store connection) never is. Results in item order; the
    /// first share's error, in order, is thrown.
    public static func inShares<Worker, Item, Output>(
        _ items: [Item], workers: [Worker], _ body: @escaping (Worker, Item) throws -> Output
    ) throws -> [Output] {
        let width = max(1, min(workers.count, items.count))
        let share = (items.count + width - 1) / width
        let work = Unchecked((items, workers, body))
        return try map(width, width: width) { w in
            let (items, workers, body) = work.value
            return try items[min(w * share, items.count)..<min((w + 1) * share, items.count)].map { try body(workers[w], $0) }
        }.flatMap { try $0.get() }
    }

    /// What ``inShares(_:workers:_:)`` hands its threads: each reads the items and uses its own worker only.
    private final class Unchecked<Value>: @unchecked Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

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
