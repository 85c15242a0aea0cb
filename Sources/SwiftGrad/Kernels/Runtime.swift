import CBLAS
import CKernels
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Process-wide runtime settings: thread count and build information.
///
///     Runtime.threadCount = 1          // BLAS and SwiftGrad's own kernels on one core
///     print(Runtime.info())
public enum Runtime {
    static let _threads = Atomic<Int>(Runtime.defaultThreadCount())

    /// Threads used by SwiftGrad's parallel kernels, matrix products included. Defaults to
    /// `OPENBLAS_NUM_THREADS` (or `OMP_NUM_THREADS`) when set, otherwise the number of cores the
    /// process may run on (`usableCores`: `taskset -c 0 ./app` gives one thread, as PyTorch).
    ///
    /// OpenBLAS is kept on one thread and SwiftGrad splits large matrix products over its own
    /// threads: one pool, so BLAS worker threads never spin against our kernels, and measured
    /// 1.5-4× faster than OpenBLAS's own threading for mid-sized products (Docs/Performance.md).
    public static var threadCount: Int {
        get { _threads.load(ordering: .relaxed) }
        set { _threads.store(max(1, newValue), ordering: .relaxed) }
    }

    /// Whether the environment leaves a default-on setting on: true unless the variable is "0".
    static func environmentAllows(_ name: String) -> Bool {
        getenv(name).map { String(cString: $0) != "0" } ?? true
    }

    /// A default-on setting read from the environment at start (`environmentAllows`), switchable at
    /// run time. Backs the public switches (`winogradConvolution`, `packedWeights`).
    static func environmentSwitch(_ name: String) -> Atomic<Bool> {
        Atomic<Bool>(environmentAllows(name))
    }

    static func defaultThreadCount() -> Int {
        // Runs once, before the first kernel asks for the thread count.
        sg_blas_core_fix()   // normally done already by its load-time constructor; idempotent
        openblas_set_num_threads(1)
        stopOpenBLASWorkers()
        for name in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"] {
            if let v = getenv(name), let n = Int(String(cString: v)), n > 0 { return n }
        }
        return usableCores
    }

    /// The cores this process may run on: the size of its CPU affinity mask (`taskset`, a
    /// container's cpuset), or the online core count where there is no mask to read.
    ///
    ///     print(Runtime.usableCores)   // 1 under `taskset -c 0`
    public static let usableCores: Int = {
        let allowed = Int(sg_affinity_cpu_count())
        return allowed > 0 ? allowed : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()

    /// OpenBLAS starts its own worker threads when it is loaded, and they poll for work for about
    /// 0.1 s (2²⁸ cycles) before sleeping: measured, that made the first 0.1 s of a process up to
    /// 3.7× slower (mlp_train_step 7.0 ms instead of 1.9 ms), the pollers competing with our
    /// threads. SwiftGrad never hands OpenBLAS work for them, so they are stopped. Looked up at run
    /// time: a single-threaded OpenBLAS build has no such function, and then there is nothing to stop.
    static func stopOpenBLASWorkers() {
        guard let symbol = dlsym(nil, "blas_thread_shutdown_") else { return }
        let shutdown = unsafeBitCast(symbol, to: (@convention(c) () -> Int32).self)
        _ = shutdown()
    }

    /// Whether OpenBLAS runs a kernel set with small-matrix sgemm kernels (SkylakeX, Cooperlake,
    /// Sapphire Rapids), which some recurrent products are shaped for.
    static let blasHasSmallMatrixKernels: Bool = {
        let core = openblas_get_corename().map { String(cString: $0) }?.lowercased() ?? ""
        return ["skylakex", "cooperlake", "sapphirerapids"].contains(core)
    }()

    /// The kernel set OpenBLAS picked for itself when SwiftGrad asked it to select again, or nil.
    ///
    /// A DYNAMIC_ARCH OpenBLAS that does not know the CPU falls back to old kernels (Debian 12's
    /// OpenBLAS 0.3.21 runs its SSE3 "Prescott" set on Intel's Emerald Rapids Xeons, 1.4-1.75×
    /// slower on the convolution and LSTM workloads). At load time, unless `OPENBLAS_CORETYPE` is
    /// set or `SWIFTGRAD_BLAS_CORE_FIX=0`, SwiftGrad then has OpenBLAS select the best set the CPU
    /// supports (Cooperlake, SkylakeX or Haswell) through OpenBLAS's own selection entry points.
    ///
    ///     if let old = Runtime.blasCoreReplaced { print("OpenBLAS had picked \(old)") }
    public static var blasCoreReplaced: String? {
        sg_blas_core_fix()
        return sg_blas_core_replaced().map { String(cString: $0) }
    }

    /// A one-line description of the numeric back end: OpenBLAS core (kernel set), its configuration
    /// and thread count, the instruction set of SwiftGrad's own kernels, and `OPENBLAS_CORETYPE` if
    /// the environment forces one.
    public static func info() -> String {
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        let config = openblas_get_config().map { String(cString: $0) } ?? "unknown"
        let forced = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 }
        let threads = threadCount   // first, so that OpenBLAS is already set to one thread
        var s = "SwiftGrad: OpenBLAS core \(core) (\(config)), BLAS threads \(openblas_get_num_threads()) (products split by SwiftGrad), SwiftGrad threads \(threads)"
        s += ", own kernels " + (Kernels.avx512 ? (VectorMath.wide ? "AVX-512 (GEMM, vector math) + AVX2" : "AVX-512 (GEMM) + AVX2") : Kernels.ownKernels ? "AVX2" : "off")
        if let f = forced { s += ", OPENBLAS_CORETYPE=\(f) set by the environment" }
        if let old = blasCoreReplaced { s += ", core selected by SwiftGrad (OpenBLAS's own pick for this CPU: \(old))" }
        return s
    }
}

/// A raw pointer that may be handed to worker threads; each worker touches a disjoint range.
struct SendablePointer<T>: @unchecked Sendable {
    let p: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { self.p = p }
    init(_ p: UnsafePointer<T>) { self.p = UnsafeMutablePointer(mutating: p) }
}

/// Elements below which a kernel stays on the calling thread (thread start-up costs more than it saves).
let parallelThreshold = 1 << 15

/// Splits `0..<n` into contiguous ranges and runs `body` on them, on several threads when `n` is at
/// least `threshold`. The split never changes what each element's result is.
@inline(__always)
func parallelRanges(_ n: Int, threshold: Int = parallelThreshold, _ body: (Int, Int) -> Void) {
    let threads = Runtime.threadCount
    if n < threshold || threads <= 1 {
        body(0, n)
        return
    }
    let grain = max(1, threshold / 2)
    let chunks = min(threads, (n + grain - 1) / grain)
    let per = (n + chunks - 1) / chunks
    WorkerPool.shared.run(chunks, threads: threads) { c in
        let lo = c * per
        let hi = min(n, lo + per)
        if lo < hi { body(lo, hi) }
    }
}

/// How a kernel with an automatic choice of algorithm picks it, per task: by shape (`automatic`),
/// forced on wherever the algorithm can run (`always`), or off (`never`). Tests set it to compare
/// the two paths: `Kernels.$winogradChoice.withValue(.always) { ... }`,
/// `Kernels.$packedWeightChoice.withValue(.never) { ... }`.
enum KernelChoice: Sendable { case automatic, always, never }
