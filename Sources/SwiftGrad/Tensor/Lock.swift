#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a pthread mutex, for process-wide state (the default generator, the buffer
/// cache). Used instead of the Synchronization module's `Mutex` because that one is built on
/// futexes that ThreadSanitizer cannot see, so TSan reported the guarded accesses as races; a
/// pthread mutex is intercepted by TSan and by every other tool.
///
///     let counter = Locked(0)
///     counter.withLock { $0 += 1 }
final class Locked<Value>: @unchecked Sendable {   // `value` is only touched while `mutex` is held
    private var mutex = pthread_mutex_t()
    private var value: Value

    init(_ value: Value) {
        self.value = value
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    /// Runs `body` with exclusive access to the value.
    @inline(__always)
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body(&value)
    }
}
