// soak: trains the digit CNN (conv2d → relu → maxPool2d → Linear, SGD with momentum, shuffled
// DataLoader) for many steps and compares resident memory at step 1,000 with the last step.
// A leak of even one small tensor per step shows up as growth; the check fails above 2%.
//
//     swift run -c release soak               // 10,000 steps
//     swift run soak --steps 3000             // shorter
import Foundation
import SwiftGrad

/// Resident set size of this process in bytes, from /proc/self/statm (pages × page size).
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

func mib(_ bytes: Int) -> String { String(format: "%.2f MiB", Double(bytes) / 1_048_576) }

var steps = 10_000
if let i = CommandLine.arguments.firstIndex(of: "--steps"), i + 1 < CommandLine.arguments.count,
   let n = Int(CommandLine.arguments[i + 1]) {
    steps = n
}
let checkpoint = min(1_000, steps / 2)

let data = try Digits.load(train: true)
let g = Generator(seed: 0)
let kernels = (Tensor.randn([8, 1, 3, 3], generator: g) * 0.3).requiringGrad()
let fc = Linear(8 * 3 * 3, 10, generator: g)
let opt = SGD([kernels] + fc.parameters(), lr: 0.05, momentum: 0.9)
let loader = DataLoader(data, batchSize: 32, shuffle: true, dropLast: true, generator: Generator(seed: 1))

print(Runtime.info())
var step = 0
var rssAtCheckpoint = 0, liveAtCheckpoint = 0, nodesAtCheckpoint = 0
var lastLoss = 0.0
var finalLive = 0, finalNodes = 0
let start = Date()
/// One training step; everything it makes is released when it returns.
@MainActor func trainStep(_ x: Tensor, _ y: Tensor) -> Double {
    let h = maxPool2d(conv2d(x, weight: kernels).relu(), kernelSize: 2)
    let loss = crossEntropy(logits: fc(h.flatten(startAxis: 1)), targets: y)
    opt.zeroGrad()
    loss.backward()
    opt.step()
    return loss.item()
}

training: while true {
    for (x, y) in loader {
        lastLoss = trainStep(x, y)
        step += 1
        if step == checkpoint {
            rssAtCheckpoint = residentBytes()
            liveAtCheckpoint = Diagnostics.liveBytes
            nodesAtCheckpoint = Diagnostics.liveNodes
            print("step \(step): RSS \(mib(rssAtCheckpoint)), live tensor bytes \(Diagnostics.liveBytes), live nodes \(Diagnostics.liveNodes), loss \(lastLoss)")
        }
        if step == steps {
            // Measured here, like the first figure, while the same batch tensors are alive.
            finalLive = Diagnostics.liveBytes
            finalNodes = Diagnostics.liveNodes
            break training
        }
    }
}
let rss = residentBytes()
let seconds = Date().timeIntervalSince(start)
let growth = Double(rss - rssAtCheckpoint) / Double(max(rssAtCheckpoint, 1)) * 100
print("step \(step): RSS \(mib(rss)), live tensor bytes \(finalLive), live nodes \(finalNodes), loss \(lastLoss)")
print(String(format: "RSS growth from step %d to step %d: %+.2f%% (%.1f s, %.2f ms/step)",
             checkpoint, step, growth, seconds, seconds * 1000 / Double(step)))
let ok = growth <= 2 && finalLive == liveAtCheckpoint && finalNodes == nodesAtCheckpoint
print(ok ? "soak: OK" : "soak: FAILED (RSS grew more than 2%, or live tensors/nodes changed)")
exit(ok ? 0 : 1)
