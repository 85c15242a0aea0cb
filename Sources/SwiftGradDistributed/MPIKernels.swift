// The only file of SwiftGradDistributed that touches raw pointers and calls MPI directly: process
// start-up and shutdown, error checking, the blocking collectives on tensors (in place on their
// storage) and the flat buffers that carry gradient buckets through non-blocking all-reduces.

import CMPI
import SwiftGrad
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// MPI start-up, shutdown and failure reporting, once per process.
enum MPIRuntime {
    /// Whether MPI is started, and the private communicator of the exit handshake (as a bit pattern).
    private static let state = Mutex<(started: Bool, exitComm: Int)>((false, 0))

    /// Initialises MPI the first time (thread level "serialized": one thread at a time calls MPI) and
    /// registers the exit handshake and `MPI_Finalize` to run at exit. Errors on the world
    /// communicator return to us, so every failure is reported with a message.
    static func ensureInitialized() {
        state.withLock { s in
            guard !s.started else { return }
            var flag: Int32 = 0
            MPI_Initialized(&flag)
            if flag == 0 {
                // A rank waiting for others yields its core instead of spinning: ranks often share cores
                // (and on this library's 2-core machines a spinning waiter made steps several times slower).
                // The user's own setting wins.
                setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0)
                var provided: Int32 = 0
                let rc = MPI_Init_thread(nil, nil, sg_mpi_thread_serialized(), &provided)
                if rc != sg_mpi_success() {
                    writeStandardError("SwiftGradDistributed: MPI_Init_thread failed with code \(rc)\n")
                    exit(1)
                }
                atexit { MPIRuntime.finalizeAtExit() }
            }
            MPI_Comm_set_errhandler(sg_mpi_comm_world(), sg_mpi_errors_return())
            s.exitComm = Int(bitPattern: MPIKernels.duplicate(sg_mpi_comm_world()))
            s.started = true
        }
    }

    /// Seconds a rank that exits waits for the others to exit too (`SWIFTGRAD_MPI_EXIT_TIMEOUT`,
    /// default 120) before it decides it left the job early and aborts everyone.
    static var exitTimeout: Double {
        guard let text = getenv("SWIFTGRAD_MPI_EXIT_TIMEOUT"), let v = Double(String(cString: text)), v > 0 else { return 120 }
        return v
    }

    /// At exit: all ranks meet in a non-blocking barrier before `MPI_Finalize`. A rank that exits
    /// while the others are still working (or stuck waiting for it in a collective) would hang in
    /// `MPI_Finalize`; instead, after `exitTimeout` seconds it aborts the job with a message.
    private static func finalizeAtExit() {
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        guard finalized == 0 else { return }
        let exitComm = OpaquePointer(bitPattern: state.withLock { $0.exitComm })
        if let exitComm, MPIKernels.size(exitComm) > 1 {
            var request = sg_mpi_request_null()
            var done: Int32 = 0
            let deadline = MPI_Wtime() + exitTimeout
            if MPI_Ibarrier(exitComm, &request) == sg_mpi_success() {
                while done == 0 {
                    if MPI_Test(&request, &done, sg_mpi_status_ignore()) != sg_mpi_success() { break }
                    if done == 0 && MPI_Wtime() > deadline {
                        fail(sg_mpi_comm_world(), "this process is exiting but other ranks have not finished after \(exitTimeout) s (they may be waiting for it in a collective: it left the job early); aborting the job")
                    }
                    if done == 0 { usleep(1000) }
                }
            }
        }
        MPI_Finalize()
    }

    /// Stops the job if `rc` is an MPI error, naming this rank and what failed.
    @inline(__always)
    static func check(_ rc: Int32, _ comm: MPI_Comm, _ what: @autoclosure () -> String) {
        if rc == sg_mpi_success() { return }
        var text = [CChar](repeating: 0, count: Int(sg_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(rc, &text, &length)
        let reason = String(decoding: text.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        fail(comm, "\(what()) failed: \(reason) (a rank probably died or left the job)")
    }

    /// Prints `message` naming this rank, then aborts every process of the job (never hangs).
    static func fail(_ comm: MPI_Comm, _ message: String, delaySeconds: UInt32 = 0) -> Never {
        var rank: Int32 = -1
        MPI_Comm_rank(comm, &rank)
        if !message.isEmpty {
            writeStandardError("SwiftGradDistributed: rank \(rank): \(message)\n")
        }
        // Let the rank that explains the failure print before the job is torn down.
        if delaySeconds > 0 { sleep(delaySeconds) }
        MPI_Abort(comm, 1)
        _exit(1)
    }

    /// Seconds since an arbitrary point, for timing communication.
    static func now() -> Double { MPI_Wtime() }
}

/// Writes to file descriptor 2 directly (unbuffered, so nothing is lost when the job is aborted).
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    var done = 0
    while done < bytes.count {
        let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + done, $0.count - done) }
        if n <= 0 { break }
        done += n
    }
}

/// MPI's element type for a tensor dtype.
func mpiType(_ dtype: DType) -> MPI_Datatype {
    switch dtype {
    case .float32: return sg_mpi_float()
    case .float64: return sg_mpi_double()
    default: return sg_mpi_int64()
    }
}

/// Blocking collectives on tensor storage, in place (no copies).
enum MPIKernels {
    static func rank(_ comm: MPI_Comm) -> Int {
        var r: Int32 = 0
        MPIRuntime.check(MPI_Comm_rank(comm, &r), comm, "MPI_Comm_rank")
        return Int(r)
    }

    static func size(_ comm: MPI_Comm) -> Int {
        var s: Int32 = 0
        MPIRuntime.check(MPI_Comm_size(comm, &s), comm, "MPI_Comm_size")
        return Int(s)
    }

    static func duplicate(_ comm: MPI_Comm) -> MPI_Comm {
        var copy = sg_mpi_comm_null()
        MPIRuntime.check(MPI_Comm_dup(comm, &copy), comm, "MPI_Comm_dup")
        MPI_Comm_set_errhandler(copy, sg_mpi_errors_return())
        return copy!
    }

    static func free(_ comm: MPI_Comm) {
        var c: MPI_Comm? = comm
        var finalized: Int32 = 0
        MPI_Finalized(&finalized)
        if finalized == 0 { MPI_Comm_free(&c) }
    }

    static func barrier(_ comm: MPI_Comm) {
        MPIRuntime.check(MPI_Barrier(comm), comm, "barrier")
    }

    static func allReduce(_ t: Tensor, _ op: MPI_Op, _ comm: MPI_Comm, _ what: @autoclosure () -> String) {
        t.withUnsafeMutableRawBytes { raw in
            MPIRuntime.check(MPI_Allreduce(sg_mpi_in_place(), raw.baseAddress, Int32(t.count), mpiType(t.dtype), op, comm),
                             comm, what())
        }
    }

    static func broadcast(_ t: Tensor, root: Int, _ comm: MPI_Comm, _ what: @autoclosure () -> String) {
        t.withUnsafeMutableRawBytes { raw in
            MPIRuntime.check(MPI_Bcast(raw.baseAddress, Int32(t.count), mpiType(t.dtype), Int32(root), comm), comm, what())
        }
    }

    /// Gathers `t` from every rank into `out` (`worldSize * t.count` elements, rank-major).
    static func allGather(_ t: Tensor, into out: Tensor, _ comm: MPI_Comm, _ what: @autoclosure () -> String) {
        let n = Int32(t.count), type = mpiType(t.dtype)
        t.withUnsafeRawBytes { src in
            out.withUnsafeMutableRawBytes { dst in
                MPIRuntime.check(MPI_Allgather(src.baseAddress, n, type, dst.baseAddress, n, type, comm), comm, what())
            }
        }
    }

    /// Gathers a small array of integers (metadata) from every rank: result[rank] is that rank's array.
    static func allGather(_ values: [Int64], _ comm: MPI_Comm, worldSize: Int, _ what: @autoclosure () -> String) -> [[Int64]] {
        var out = [Int64](repeating: 0, count: values.count * worldSize)
        let n = Int32(values.count)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                MPIRuntime.check(MPI_Allgather(src.baseAddress, n, sg_mpi_int64(), dst.baseAddress, n, sg_mpi_int64(), comm),
                                 comm, what())
            }
        }
        return (0..<worldSize).map { Array(out[($0 * values.count)..<(($0 + 1) * values.count)]) }
    }

    /// Element-wise maximum of a small integer array over all ranks.
    static func allReduceMax(_ values: [Int64], _ comm: MPI_Comm, _ what: @autoclosure () -> String) -> [Int64] {
        var v = values
        v.withUnsafeMutableBufferPointer { buf in
            MPIRuntime.check(MPI_Allreduce(sg_mpi_in_place(), buf.baseAddress, Int32(buf.count), sg_mpi_int64(), sg_mpi_max(), comm),
                             comm, what())
        }
        return v
    }

    /// Multiplies a float tensor by `factor` in place (the mean after a sum).
    static func scale(_ t: Tensor, by factor: Double) {
        t.withUnsafeMutableRawBytes { raw in scale(raw, dtype: t.dtype, count: t.count, by: factor) }
    }

    static func scale(_ raw: UnsafeMutableRawBufferPointer, dtype: DType, count: Int, by factor: Double) {
        switch dtype {
        case .float32:
            let p = raw.bindMemory(to: Float.self), f = Float(factor)
            for i in 0..<count { p[i] *= f }
        case .float64:
            let p = raw.bindMemory(to: Double.self)
            for i in 0..<count { p[i] *= factor }
        default:
            checkFailure("scale: integer tensors cannot be averaged")
        }
    }
}

/// One gradient bucket's contiguous buffer and its in-flight non-blocking all-reduce. Gradients are
/// packed in, reduced as one message, scaled to the mean and unpacked back into each `grad`.
final class FlatBuffer {
    let dtype: DType
    let count: Int
    private let bytes: UnsafeMutableRawBufferPointer
    private var request: MPI_Request?
    private let comm: MPI_Comm

    init(dtype: DType, count: Int, comm: MPI_Comm) {
        self.dtype = dtype
        self.count = count
        self.comm = comm
        bytes = .allocate(byteCount: max(count * dtype.byteSize, 1), alignment: 64)
        bytes.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        if request != nil { wait(what: "pending gradient all-reduce at teardown") }
        bytes.deallocate()
    }

    /// Copies `t` (or zeros when nil) into elements `offset ..< offset + count`.
    func pack(_ t: Tensor?, at offset: Int, count n: Int) {
        let dst = bytes.baseAddress! + offset * dtype.byteSize
        if let t {
            t.withUnsafeRawBytes { src in dst.copyMemory(from: src.baseAddress!, byteCount: n * dtype.byteSize) }
        } else {
            dst.initializeMemory(as: UInt8.self, repeating: 0, count: n * dtype.byteSize)
        }
    }

    /// Copies elements `offset ..< offset + t.count` into `t`.
    func unpack(into t: Tensor, at offset: Int) {
        let src = bytes.baseAddress! + offset * dtype.byteSize
        t.withUnsafeMutableRawBytes { dst in dst.baseAddress!.copyMemory(from: src, byteCount: t.count * dtype.byteSize) }
    }

    /// Starts the sum over all ranks (MPI_Iallreduce, in place) and returns at once.
    func startAllReduce(what: @autoclosure () -> String) {
        check(request == nil, "FlatBuffer: an all-reduce is already in flight")
        var req = sg_mpi_request_null()
        MPIRuntime.check(MPI_Iallreduce(sg_mpi_in_place(), bytes.baseAddress, Int32(count), mpiType(dtype), sg_mpi_sum(), comm, &req),
                         comm, what())
        request = req
    }

    /// Drives MPI's progress engine; true once the reduction has completed.
    @discardableResult
    func test(what: @autoclosure () -> String) -> Bool {
        guard request != nil else { return true }
        var flag: Int32 = 0
        MPIRuntime.check(MPI_Test(&request, &flag, sg_mpi_status_ignore()), comm, what())
        if flag != 0 { request = nil }
        return flag != 0
    }

    /// Blocks until the reduction has completed.
    func wait(what: @autoclosure () -> String) {
        guard request != nil else { return }
        MPIRuntime.check(MPI_Wait(&request, sg_mpi_status_ignore()), comm, what())
        request = nil
    }

    /// The blocking variant, used when a bucket must be reduced again.
    func allReduceNow(what: @autoclosure () -> String) {
        startAllReduce(what: what())
        wait(what: what())
    }

    func scale(by factor: Double) { MPIKernels.scale(bytes, dtype: dtype, count: count, by: factor) }
}
