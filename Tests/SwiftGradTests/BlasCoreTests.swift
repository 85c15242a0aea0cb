import CBLAS
import CKernels
import Foundation
import Testing
@testable import SwiftGrad

/// OpenBLAS's kernel set on CPUs the installed OpenBLAS does not know (Sources/CKernels/BlasCore.c).
struct BlasCoreTests {
    /// The choice for each fallback and CPU, as documented in CKernels.h.
    @Test func choiceTable() {
        func choice(_ current: String?, avx2: Bool = true, avx512: Bool = true, bf16: Bool = true,
                    sets: (Bool, Bool, Bool) = (true, true, true)) -> String? {
            let run = { (p: UnsafePointer<CChar>?) in
                sg_blas_core_choice(p, avx2 ? 1 : 0, avx512 ? 1 : 0, bf16 ? 1 : 0,
                                    sets.0 ? 1 : 0, sets.1 ? 1 : 0, sets.2 ? 1 : 0).map { String(cString: $0) }
            }
            guard let current else { return run(nil) }
            return current.withCString { run($0) }
        }
        // Emerald Rapids under OpenBLAS 0.3.21: Prescott → Cooperlake.
        #expect(choice("Prescott") == "Cooperlake")
        #expect(choice("prescott", bf16: false) == "SkylakeX")
        #expect(choice("Nehalem", avx512: false, bf16: false) == "Haswell")
        #expect(choice("Sandybridge", avx512: false) == "Haswell")
        #expect(choice("Unknown") == "Cooperlake")
        // Sets the build lacks are skipped.
        #expect(choice("Prescott", sets: (false, true, true)) == "SkylakeX")
        #expect(choice("Prescott", sets: (false, false, true)) == "Haswell")
        #expect(choice("Prescott", sets: (false, false, false)) == nil)
        // OpenBLAS's own AVX2 or AVX-512 choices are kept, whatever they are.
        for kept in ["Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", "Excavator", "SomeFutureCore"] {
            #expect(choice(kept) == nil, "\(kept)")
        }
        // A CPU without AVX2 + FMA keeps whatever OpenBLAS chose.
        #expect(choice("Prescott", avx2: false, avx512: false, bf16: false) == nil)
        #expect(choice(nil) == nil)
    }

    /// In this process: on a CPU with AVX2 + FMA, OpenBLAS does not run a pre-AVX2 fallback set
    /// unless the environment chose it, and products agree with a plain loop.
    @Test func openBLASRunsAKernelSetTheCPUSupports() {
        let core = openblas_get_corename().map { String(cString: $0) } ?? "unknown"
        let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].map { !$0.isEmpty } ?? false
        let kept = ProcessInfo.processInfo.environment["SWIFTGRAD_BLAS_CORE_FIX"] == "0"
        if sg_cpu_has_avx2_fma() != 0 && !forced && !kept && dlsym(nil, "gotoblas_HASWELL") != nil {
            let choice = core.withCString {
                sg_blas_core_choice($0, 1, 0, 0, 0, 0, 1)
            }
            #expect(choice == nil, "OpenBLAS still runs \(core) (replaced: \(Runtime.blasCoreReplaced ?? "nothing"))")
        }
        if let old = Runtime.blasCoreReplaced {
            #expect(Runtime.info().contains(old), "\(Runtime.info())")
        }
        // A product through OpenBLAS (float64 stays on it) against a loop.
        let a = Tensor.randn([37, 29], dtype: .float64, generator: Generator(seed: 3))
        let b = Tensor.randn([29, 41], dtype: .float64, generator: Generator(seed: 4))
        let c = a.matmul(b).doubles, av = a.doubles, bv = b.doubles
        var worst = 0.0
        for i in 0..<37 {
            for j in 0..<41 {
                var s = 0.0
                for p in 0..<29 { s += av[i * 29 + p] * bv[p * 41 + j] }
                worst = max(worst, abs(s - c[i * 41 + j]))
            }
        }
        #expect(worst < 1e-12)
    }
}
