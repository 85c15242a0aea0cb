import FuzzDriver
import SwiftGrad

// Any bytes must decode to a checkpoint or throw; restoring it into a model, an optimizer, a
// scheduler and a generator (the state-dict validation paths) must succeed or throw, never trap.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzCheckpoint(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = inputBytes(data, size)
    guard let ckpt = try? Checkpoint.decode(bytes) else { return 0 }
    let model = Sequential([Linear(3, 2), ReLU(), Linear(2, 1)])
    let optimizer = Adam(model.namedParameters(), lr: 0.01)
    let generator = Generator(seed: 1)
    let scheduler = StepLR(optimizer, stepSize: 2)
    for name in ckpt.components.keys {
        switch name {
        case "model": try? ckpt.restore(model, from: name)
        case "optimizer": try? ckpt.restore(optimizer, from: name)
        case "generator": try? ckpt.restore(generator, from: name)
        case "scheduler": try? ckpt.restore(scheduler, from: name)
        default: _ = try? ckpt.state(name)
        }
    }
    // A restored optimizer and scheduler must still be able to step.
    for p in model.parameters() { p.grad = Tensor.onesLike(p) }
    optimizer.step()
    scheduler.step()
    return 0
}

runFuzzer()
