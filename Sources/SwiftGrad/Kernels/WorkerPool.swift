import CBLAS
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The threads behind `parallelRanges` and split matrix products: `Runtime.threadCount - 1`
/// workers plus the calling thread, which always takes part.
///
/// Why not Dispatch: on the 2-core VMs we measure on, waking a sleeping thread costs tens of
/// microseconds, and a training step hands out thousands of parallel jobs (an LSTM step over 64
/// time steps about 1,500). So workers spin for a while after each job (`spinMicroseconds`,
/// like OpenMP runtimes and OpenBLAS's own threads) and only then sleep on a condition variable.
///
/// A job is `count` chunk indices; threads claim them one at a time from `ticket`, which holds
/// the job's generation, its chunk count and the next chunk in one word, so a worker that wakes
/// late can never claim a chunk of a later job by mistake. One job runs at a time: a caller
/// that finds the pool busy (another user thread, or a kernel nested in a parallel body) runs its
/// chunks itself, serially.
final class WorkerPool: @unchecked Sendable {   // job fields are published through `ticket` (release/acquire)
    static let shared = WorkerPool()

    /// How long an idle worker polls for the next job before it sleeps (`SWIFTGRAD_SPIN_US`).
    let spinMicroseconds: Int
    /// Cores the process may run on; workers poll only while the pool (workers and caller) fits in them.
    let cores = Runtime.usableCores

    private let busy = Atomic<Bool>(false)
    private let ticket = Atomic<Int>(0)          // generation << 40 | count << 20 | next chunk
    private let remaining = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let workerCount = Atomic<Int>(0)
    private var job: ((Int) -> Void)? = nil       // written only while no chunk of any job is claimable
    /// Most chunks in one job (20 bits of `ticket`); larger counts run in several jobs.
    static let maxChunks = (1 << 20) - 1
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>

    private init() {
        mutex = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        if let v = getenv("SWIFTGRAD_SPIN_US"), let us = Int(String(cString: v)), us >= 0 {
            spinMicroseconds = us
        } else {
            spinMicroseconds = 2000
        }
    }

    /// Runs `body(0)`, ..., `body(count - 1)` on the calling thread and up to `threads - 1` workers,
    /// returning when all have finished.
    func run(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        if count > WorkerPool.maxChunks {
            var start = 0
            while start < count {
                let n = min(WorkerPool.maxChunks, count - start), base = start
                run(n, threads: threads) { body(base + $0) }
                start += n
            }
            return
        }
        if count <= 1 || threads <= 1 || !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            for i in 0..<count { body(i) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        ensureWorkers(min(threads, count) - 1)
        withoutActuallyEscaping(body) { body in
            job = body
            remaining.store(count, ordering: .relaxed)
            let generation = ((ticket.load(ordering: .relaxed) >> 40) &+ 1) & 0x7F_FFFF   // 23 bits: the word stays positive
            ticket.store(generation << 40 | count << 20, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(mutex)
                pthread_cond_broadcast(wake)
                pthread_mutex_unlock(mutex)
            }
            work(generation: generation)
            // Wait for chunks other threads claimed. Past a few microseconds, yield the core: with
            // more threads than cores the worker we wait for may need it.
            var polls = 0
            while remaining.load(ordering: .acquiring) > 0 {
                polls += 1
                if polls < 4096 { swiftgrad_cpu_relax() } else { sched_yield() }
            }
            job = nil
        }
    }

    /// Claims and runs chunks of job `generation` until none is left.
    private func work(generation: Int) {
        var t = ticket.load(ordering: .acquiring)
        while t >> 40 == generation {
            let i = t & 0xF_FFFF
            if i >= (t >> 20) & 0xF_FFFF { return }
            let (done, seen) = ticket.compareExchange(expected: t, desired: t + 1, ordering: .acquiringAndReleasing)
            if !done { t = seen; continue }
            job!(i)
            remaining.subtract(1, ordering: .releasing)
            t = ticket.load(ordering: .acquiring)
        }
    }

    private func ensureWorkers(_ wanted: Int) {
        while true {
            let have = workerCount.load(ordering: .relaxed)
            if have >= wanted { return }
            if workerCount.compareExchange(expected: have, desired: have + 1, ordering: .relaxed).exchanged {
                spawnWorker()
            }
        }
    }

    private func spawnWorker() {
        let unmanaged = Unmanaged.passRetained(self)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { raw in
            let pool = Unmanaged<WorkerPool>.fromOpaque(raw!).takeRetainedValue()
            pool.workerLoop()
            return nil
        }, unmanaged.toOpaque())
        pthread_attr_destroy(&attributes)
        if status != 0 {
            // Without the thread the pool still completes every job: the caller runs what no worker claims.
            unmanaged.release()
        }
    }

    private func workerLoop() {
        var seen = ticket.load(ordering: .acquiring) >> 40
        while true {
            // Poll for a new generation for a while, then sleep until one is published.
            var generation = ticket.load(ordering: .acquiring) >> 40
            // Poll only while every pool thread can have a core of its own; oversubscribed
            // (threadCount above the core count) workers sleep at once instead of spinning.
            if generation == seen && workerCount.load(ordering: .relaxed) < cores {
                let deadline = monotonicMicroseconds() + spinMicroseconds
                var polls = 0
                while generation == seen {
                    swiftgrad_cpu_relax()
                    generation = ticket.load(ordering: .acquiring) >> 40
                    polls += 1
                    if polls & 255 == 0 && monotonicMicroseconds() > deadline { break }
                }
            }
            if generation == seen {
                pthread_mutex_lock(mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while ticket.load(ordering: .sequentiallyConsistent) >> 40 == seen {
                    pthread_cond_wait(wake, mutex)
                }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(mutex)
                generation = ticket.load(ordering: .acquiring) >> 40
            }
            seen = generation
            work(generation: generation)
        }
    }
}

/// Microseconds on the monotonic clock.
@inline(__always)
func monotonicMicroseconds() -> Int {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return ts.tv_sec * 1_000_000 + ts.tv_nsec / 1000
}
