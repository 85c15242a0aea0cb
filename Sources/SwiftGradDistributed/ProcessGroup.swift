// ProcessGroup: the processes of one MPI job (or a sub-communicator), and the collectives that move
// tensors between them. Like torch.distributed, but over an MPI communicator.

import CMPI
import SwiftGrad

/// How `allReduce` combines the tensors of all ranks.
///
///     group.allReduce(lossSum, .mean)
public enum ReduceOp: String, Sendable {
    /// Element-wise sum.
    case sum
    /// Element-wise sum divided by the world size (float tensors only).
    case mean
    /// Element-wise maximum.
    case max
    /// Element-wise minimum.
    case min
}

/// A group of processes that exchange tensors through MPI collectives: every rank must call the same
/// collectives in the same order with tensors of the same shape and dtype. Collectives work in place
/// on the tensor's own storage (no copies); float32, float64 and int64 tensors are supported.
///
///     let group = ProcessGroup.world()           // starts MPI on first use
///     group.allReduce(grad, .mean)                // every rank now holds the average
public final class ProcessGroup {
    /// This process's index in the group, from 0.
    public let rank: Int
    /// The number of processes in the group.
    public let worldSize: Int
    /// Whether collectives first check that every rank passes a tensor of the same shape and dtype
    /// (one tiny all-gather of metadata per call). A mismatch stops the whole job with a message
    /// naming the ranks, the shapes and the tensor instead of corrupting data or hanging.
    ///
    ///     group.validatesShapes = false           // after debugging, skip the metadata exchange
    public var validatesShapes: Bool
    let comm: MPI_Comm
    private let ownsCommunicator: Bool

    init(comm: MPI_Comm, owns: Bool, validatesShapes: Bool) {
        self.comm = comm
        self.ownsCommunicator = owns
        self.rank = MPIKernels.rank(comm)
        self.worldSize = MPIKernels.size(comm)
        self.validatesShapes = validatesShapes
    }

    deinit { if ownsCommunicator { MPIKernels.free(comm) } }

    /// All processes of the job (`MPI_COMM_WORLD`). Initialises MPI on first use; MPI is finalised
    /// automatically when the process exits.
    ///
    ///     let group = ProcessGroup.world()
    ///     print("rank \(group.rank) of \(group.worldSize)")
    public static func world(validatesShapes: Bool = true) -> ProcessGroup {
        MPIRuntime.ensureInitialized()
        return ProcessGroup(comm: sg_mpi_comm_world(), owns: false, validatesShapes: validatesShapes)
    }

    /// A group of the same processes on a separate communicator, so its collectives never interleave
    /// with this group's (DistributedDataParallel uses one for its gradient buckets). Collective.
    ///
    ///     let gradients = group.duplicate()
    ///     gradients.allReduce(g, .sum)
    public func duplicate() -> ProcessGroup {
        ProcessGroup(comm: MPIKernels.duplicate(comm), owns: true, validatesShapes: validatesShapes)
    }

    /// Whether this is rank 0, the rank that prints, logs and writes checkpoints.
    ///
    ///     if group.isMain { print("epoch \(epoch): loss \(loss)") }
    public var isMain: Bool { rank == 0 }

    /// Waits until every rank has reached this call.
    ///
    ///     if group.isMain { try save() }
    ///     group.barrier()                         // the file exists for everyone after this
    public func barrier() { MPIKernels.barrier(comm) }

    /// Overwrites `tensor` on every rank with its value on rank `root`, in place.
    ///
    ///     let w = Tensor.randn([4, 4])
    ///     group.broadcast(w)                       // rank 0's values everywhere
    public func broadcast(_ tensor: Tensor, from root: Int = 0, name: String? = nil) {
        check(root >= 0 && root < worldSize, "broadcast: root \(root) is not a rank of a group of \(worldSize)")
        validate(tensor, op: "broadcast", name: name)
        MPIKernels.broadcast(tensor, root: root, comm, "broadcast of \(label(tensor, name))")
    }

    /// Combines `tensor` over all ranks, in place: afterwards every rank holds the sum (mean, max,
    /// min) of all ranks' values. Not recorded by autograd (see `allReduced(_:)`).
    ///
    ///     let correct = Tensor([Double(hits)], dtype: .float64)
    ///     group.allReduce(correct, .sum)
    public func allReduce(_ tensor: Tensor, _ op: ReduceOp = .sum, name: String? = nil) {
        check(op != .mean || tensor.dtype.isFloatingPoint, "allReduce(.mean): \(label(tensor, name)) is \(tensor.dtype); only float tensors can be averaged")
        validate(tensor, op: "allReduce(\(op.rawValue))", name: name)
        let mpiOp: MPI_Op
        switch op {
        case .sum, .mean: mpiOp = sg_mpi_sum()
        case .max: mpiOp = sg_mpi_max()
        case .min: mpiOp = sg_mpi_min()
        }
        MPIKernels.allReduce(tensor, mpiOp, comm, "allReduce(\(op.rawValue)) of \(label(tensor, name))")
        if op == .mean { MPIKernels.scale(tensor, by: 1 / Double(worldSize)) }
    }

    /// The sum over all ranks as a new tensor, recorded by autograd: its backward sums the incoming
    /// gradients over all ranks, so a loss on every rank that uses global statistics differentiates
    /// correctly (SyncBatchNorm uses it). Every rank must run the same backward.
    ///
    ///     let total = group.allReduced(x.sum(axis: 0))
    ///     let globalMean = total / Double(group.worldSize * x.shape[0])
    public func allReduced(_ tensor: Tensor, name: String? = nil) -> Tensor {
        let out = withNoGrad { tensor.detach().copy() }
        allReduce(out, .sum, name: name)
        return out.recordedAsCustomOp("allReduce", inputs: [tensor]) { [self] g in
            let summed = withNoGrad { g.detach().copy() }
            self.allReduce(summed, .sum, name: name.map { "gradient of \($0)" })
            return [summed]
        }
    }

    /// Every rank's `tensor`, stacked along a new first axis: shape `[worldSize] + tensor.shape`,
    /// row `r` from rank `r`. Not recorded by autograd.
    ///
    ///     let all = group.allGather(Tensor([Double(group.rank)]))
    ///     print(all.shape)                          // [worldSize, 1]
    public func allGather(_ tensor: Tensor, name: String? = nil) -> Tensor {
        validate(tensor, op: "allGather", name: name)
        let out = Tensor.zeros([worldSize] + tensor.shape, dtype: tensor.dtype)
        MPIKernels.allGather(tensor, into: out, comm, "allGather of \(label(tensor, name))")
        return out
    }

    /// Every rank's list of integers (all lists must have the same length): `result[r]` is rank r's.
    ///
    ///     let counts = group.allGather([Int64(localSamples)])
    ///     let total = counts.map { $0[0] }.reduce(0, +)
    public func allGather(_ values: [Int64]) -> [[Int64]] {
        if validatesShapes {
            let lengths = MPIKernels.allGather([Int64(values.count)], comm, worldSize: worldSize, "allGather of lengths")
            if let bad = lengths.firstIndex(where: { $0 != lengths[0] }) {
                failMismatch("allGather of integer lists: rank 0 passes \(lengths[0][0]) values but rank \(bad) passes \(lengths[bad][0])")
            }
        }
        return MPIKernels.allGather(values, comm, worldSize: worldSize, "allGather of \(values.count) integers")
    }

    /// Stops every process of the job with `message` (printed with this rank's number).
    ///
    ///     guard FileManager.default.fileExists(atPath: path) else { group.abort("missing \(path)") }
    public func abort(_ message: String) -> Never { MPIRuntime.fail(comm, message) }

    // MARK: Shape validation

    /// Metadata exchanged before a collective: dtype, rank (number of axes), up to 8 axis sizes, count.
    private func signature(_ t: Tensor) -> [Int64] {
        var s: [Int64] = [Int64(DTypeCode.of(t.dtype)), Int64(t.rank)]
        for i in 0..<8 { s.append(i < t.rank ? Int64(t.shape[i]) : -1) }
        s.append(Int64(t.count))
        return s
    }

    func validate(_ t: Tensor, op: String, name: String?) {
        guard validatesShapes && worldSize > 1 else { return }
        let all = MPIKernels.allGather(signature(t), comm, worldSize: worldSize, "\(op) shape check of \(label(t, name))")
        guard all.contains(where: { $0 != all[0] }) else { return }
        let listing = all.enumerated().map { r, s in "rank \(r) has \(describe(s))" }.joined(separator: ", ")
        failMismatch("\(op) of \(label(t, name)): shapes or dtypes differ between ranks: \(listing)")
    }

    /// Every rank reached the same verdict; rank 0 (or the lowest rank) prints it, all abort.
    func failMismatch(_ message: String) -> Never {
        if rank == 0 { MPIRuntime.fail(comm, message) }
        MPIRuntime.fail(comm, "", delaySeconds: 2)
    }

    private func describe(_ s: [Int64]) -> String {
        let dims = s[2..<(2 + Int(min(s[1], 8)))].map(String.init).joined(separator: ", ")
        return "[\(dims)\(s[1] > 8 ? ", ..." : "")] \(DTypeCode.name(s[0]))"
    }

    func label(_ t: Tensor, _ name: String?) -> String {
        if let name { return "'\(name)' \(t.shape)" }
        return "a \(t.dtype) tensor of shape \(t.shape)"
    }
}

/// Stable integer codes for dtypes in metadata exchanges.
enum DTypeCode {
    static func of(_ d: DType) -> Int {
        switch d {
        case .float32: return 1
        case .float64: return 2
        default: return 3
        }
    }
    static func name(_ code: Int64) -> String { code == 1 ? "float32" : code == 2 ? "float64" : "int64" }
}
