import Foundation
import Testing
import SwiftGrad

/// AveragedModel (SWA and EMA) against the averages written out by hand, in float64.
@Suite struct AveragedModelTests {
    static func net() -> Sequential {
        Sequential(Linear(3, 2, dtype: .float64), BatchNorm1d(2, dtype: .float64))
    }

    /// Sets every parameter of `m` to a value that depends on `k`.
    static func perturb(_ m: Module, _ k: Int) {
        withNoGrad {
            for (i, p) in m.parameters().enumerated() {
                p.copyFrom(Tensor((0..<p.count).map { sin(Double(3 * k + i + $0)) }, shape: p.shape, dtype: .float64))
            }
        }
    }

    @Test func swaIsTheMeanOfTheSnapshots() throws {
        let model = Self.net()
        let swa = AveragedModel(model, copy: Self.net())
        var snapshots: [[[Double]]] = []
        for k in 0..<4 {
            Self.perturb(model, k)
            // A batch through the model in training mode moves BatchNorm's running statistics.
            _ = model(Tensor((0..<12).map { Double($0) * 0.1 * Double(k + 1) }, shape: [4, 3], dtype: .float64))
            swa.updateParameters(from: model)
            snapshots.append(model.parameters().map(\.doubles))
        }
        #expect(swa.updates == 4)
        for (i, p) in swa.module.parameters().enumerated() {
            let mean = (0..<p.count).map { j in snapshots.map { $0[i][j] }.reduce(0, +) / 4 }
            #expect(zip(p.doubles, mean).allSatisfy { abs($0 - $1) < 1e-14 })
        }
        // Buffers follow the model (useBuffers: false).
        #expect(swa.module.buffers().map(\.doubles) == model.buffers().map(\.doubles))
        let keys = swa.stateDict().keys
        #expect(keys.contains("n_averaged") && keys.contains("module.0.weight") && keys.contains("module.1.running_mean"))
        #expect(swa.stateDict()["n_averaged"]!.item() == 4)

        let restored = AveragedModel(Self.net(), copy: Self.net())
        try restored.loadStateDict(swa.stateDict())
        #expect(restored.updates == 4)
        let x = Tensor((0..<6).map(Double.init), shape: [2, 3], dtype: .float64)
        swa.eval(); restored.eval()
        #expect(swa(x).doubles == restored(x).doubles)
    }

    @Test func emaFunctionsFollowTheirFormulas() {
        for multi in [false, true] {
            let model = Self.net()
            let ema = multi ? AveragedModel(model, copy: Self.net(), multiAvgFn: AveragedModel.emaMulti(decay: 0.9), useBuffers: true)
                            : AveragedModel(model, copy: Self.net(), avgFn: AveragedModel.ema(decay: 0.9), useBuffers: true)
            var expected: [[Double]] = []
            for k in 0..<3 {
                Self.perturb(model, k)
                ema.updateParameters(from: model)
                let current = model.parameters().map(\.doubles)
                expected = k == 0 ? current : zip(expected, current).map { e, c in zip(e, c).map { 0.9 * $0 + 0.1 * $1 } }
            }
            for (p, e) in zip(ema.module.parameters(), expected) {
                #expect(zip(p.doubles, e).allSatisfy { abs($0 - $1) < 1e-14 }, "multi: \(multi)")
            }
        }
    }

    @Test func mismatchedCopyStops() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = AveragedModel(Linear(3, 2), copy: Linear(4, 2))
        }
    }
}

@Suite struct UpdateBNTests {
    @Test func runningStatisticsBecomeTheAverageOverThePass() {
        let model = Sequential(Linear(3, 2, dtype: .float64), BatchNorm1d(2, momentum: 0.3, dtype: .float64))
        model.eval()
        let batches = (0..<3).map { k in
            Tensor((0..<12).map { sin(Double($0 * (k + 2))) + Double(k) }, shape: [4, 3], dtype: .float64)
        }
        updateBN(batches, model)
        let bn = model[1] as! BatchNorm
        #expect(bn.momentum == 0.3 && !model.isTraining)
        #expect(bn.numBatchesTracked!.value.item() == 3)
        // The cumulative average of the batch means and unbiased variances of the Linear outputs.
        let lin = model[0] as! Linear
        var mean = [0.0, 0.0], variance = [0.0, 0.0]
        for x in batches {
            let h = withNoGrad { lin(x) }.doubles
            for c in 0..<2 {
                let col = (0..<4).map { h[$0 * 2 + c] }
                let m = col.reduce(0, +) / 4
                mean[c] += m / 3
                variance[c] += col.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 3 / 3
            }
        }
        #expect(zip(bn.runningMean!.value.doubles, mean).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(bn.runningVar!.value.doubles, variance).allSatisfy { abs($0 - $1) < 1e-12 })
    }
}
