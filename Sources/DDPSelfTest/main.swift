// ddp-selftest: run under `mpirun -np N` by SwiftGradDistributedTests. Every rank runs the same
// checks and prints `rank R PASS name` or `rank R FAIL name: why`; the exit status is non-zero if any
// check failed. `ddp-selftest mismatch|mismatch-ddp|die` exercise the failure paths instead;
// `bench` and `scale` measure communication and speed-up.

import SwiftGrad
import SwiftGradDistributed
#if canImport(Glibc)
import Glibc
#endif

let group = ProcessGroup.world()
var failures = 0

@MainActor func check(_ name: String, _ ok: Bool, _ detail: @autoclosure () -> String = "") {
    if ok {
        print("rank \(group.rank) PASS \(name)")
    } else {
        failures += 1
        print("rank \(group.rank) FAIL \(name): \(detail())")
    }
}

let mode = CommandLine.arguments.dropFirst().first ?? "all"
switch mode {
case "mismatch":
    // Rank 1 passes a tensor of another shape: the job must stop naming both shapes.
    let t = Tensor.zeros(group.rank == 1 ? [3, 5] : [3, 4])
    group.allReduce(t, .sum, name: "fc.weight")
    print("rank \(group.rank) UNREACHABLE")
case "mismatch-ddp":
    let model = Sequential([Linear(4, group.rank == 1 ? 6 : 5), Tanh(), Linear(group.rank == 1 ? 6 : 5, 2)])
    _ = DistributedDataParallel(model)
    print("rank \(group.rank) UNREACHABLE")
case "die":
    // Rank 1 dies before a collective that rank 0 waits in: the job must end, not hang.
    if group.rank == 1 { print("rank 1 exiting on purpose"); fflush(nil); exit(3) }
    let t = Tensor.ones([4])
    group.allReduce(t, .sum, name: "after the death")
    group.barrier()
    print("rank \(group.rank) UNREACHABLE")
case "bench":
    runBenchmark()
case "scale":
    runScaling()
default:
    runCollectiveChecks()
    runSamplerChecks()
    runDDPEquivalence(sharedLayer: false)
    runDDPEquivalence(sharedLayer: true)
    runDDPEquivalence(sharedLayer: false, dtype: .float64)
    runAccumulationCheck()
    runOverlapCheck()
    runSyncBatchNormCheck()
    runMainRankChecks()
}
fflush(nil)
group.barrier()
if group.isMain { print("selftest: \(group.worldSize) ranks done") }
exit(failures == 0 ? 0 : 1)
