import Foundation

/// One instance of `Value` per thread, made on first use and released when the thread ends: for
/// tables every encode and decode consults, where a shared lock is where threads would wait.
final class PerThread<Value: AnyObject>: @unchecked Sendable {
    private let key: pthread_key_t
    private let make: () -> Value

    init(_ make: @escaping () -> Value) {
        var key = pthread_key_t()
        pthread_key_create(&key) { value in
            guard let value else { return }
            Unmanaged<AnyObject>.fromOpaque(value).release()
        }
        self.key = key
        self.make = make
    }

    /// This thread's instance.
    var value: Value {
        if let raw = pthread_getspecific(key) { return Unmanaged<Value>.fromOpaque(raw).takeUnretainedValue() }
        let value = make()
        pthread_setspecific(key, Unmanaged<Value>.passRetained(value).toOpaque())
        return value
    }
}
