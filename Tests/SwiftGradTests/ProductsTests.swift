import Foundation
import Testing
@testable import SwiftGrad

/// einsum, tensordot, inner, the add*-products, multiDot, vecdot, blockDiag, cartesianProd, cdist,
/// pdist, cov and corrcoef against PyTorch (Resources/opsmath_fixtures.json): values and float64
/// gradients; then einsum's misuse messages, integer operands and double backward.
@Suite struct ProductsTests {
    static var ops: [String: (OpsFixtureCase, [Tensor]) -> Tensor] { [
        "einsum": { Tensor.einsum($0.args.string("equation")!, $1) },
        "tensordot_n": { $1[0].tensordot($1[1], dims: $0.args.int("dims")!) },
        "tensordot_pairs": { $1[0].tensordot($1[1], dims: ($0.args.ints("a")!, $0.args.ints("b")!)) },
        "inner": { $1[0].inner($1[1]) },
        "addmv": { $1[0].addmv($1[1], $1[2], beta: $0.args.double("beta")!, alpha: $0.args.double("alpha")!) },
        "addr": { $1[0].addr($1[1], $1[2], beta: $0.args.double("beta")!, alpha: $0.args.double("alpha")!) },
        "baddbmm": { $1[0].baddbmm($1[1], $1[2], beta: $0.args.double("beta")!, alpha: $0.args.double("alpha")!) },
        "addbmm": { $1[0].addbmm($1[1], $1[2], beta: $0.args.double("beta")!, alpha: $0.args.double("alpha")!) },
        "multi_dot": { Linalg.multiDot($1) },
        "vecdot": { Linalg.vecdot($1[0], $1[1]) },
        "vecdot_axis0": { Linalg.vecdot($1[0], $1[1], axis: 0) },
        "block_diag": { Tensor.blockDiag($1) },
        "cartesian_prod": { Tensor.cartesianProd($1) },
        "cdist": { Tensor.cdist($1[0], $1[1], p: $0.args.double("p") ?? .infinity) },
        "pdist": { $1[0].pdist(p: $0.args.double("p") ?? .infinity) },
        "cov": { $1[0].cov(correction: $0.args.int("correction")!) },
        "cov_weights": { $1[0].cov(correction: $0.args.int("correction")!, fweights: $1[1].to(.int64), aweights: $1[2]) },
        "corrcoef": { $1[0].corrcoef() },
    ] }

    @Test func matchesPyTorch() {
        let (failures, ran) = OpsFixture.run("opsmath_fixtures", Self.ops, rtol: 1e-10, atol: 1e-12)
        #expect(ran == 52)
        #expect(failures.isEmpty, "\(failures.count) mismatches:\n\(failures.prefix(30).joined(separator: "\n"))")
    }

    @Test func einsumOnIntegersViewsAndEmptyAxes() {
        let a = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), b = Tensor([1, 0, 2, 1, 0, 3], shape: [3, 2])
        let c = Tensor.einsum("ij,jk->ik", a, b)
        #expect(c.dtype == .int64 && c.doubles == [5, 11, 14, 23])
        let x = GC.randn([4, 3], seed: 51)
        #expect(Tensor.einsum("ji->ij", x.t()).doubles == x.doubles)
        #expect(Tensor.einsum("ij,jk->ik", x.t(), x).allClose(x.t().matmul(x), rtol: 1e-14, atol: 1e-14))
        let empty = Tensor.einsum("ij,jk->ik", Tensor.zeros([2, 0], dtype: .float64), Tensor.zeros([0, 3], dtype: .float64))
        #expect(empty.shape == [2, 3] && empty.doubles.allSatisfy { $0 == 0 })
        #expect(Tensor.einsum("i->", Tensor([1.0, 2, 3], dtype: .float64)).item() == 6)
        #expect(Tensor.einsum("", Tensor.full([], 2.5, dtype: .float64)).item() == 2.5)
    }

    @Test func einsumSecondDerivatives() {
        let a = GC.randn([2, 3], seed: 52), b = GC.randn([3, 3], seed: 53)
        #expect(gradcheck(GC.firstDerivative { Tensor.einsum("ij,jk,ik->", $0[0], $0[1] * $0[1], $0[0]) }, inputs: [a, b]).passed)
        #expect(gradcheck({ Tensor.einsum("ii,ij->j", $0[1], $0[0].t()).exp() }, inputs: [a, b]).passed)
    }

    @Test func covWithNoDegreesOfFreedomIsInfiniteAndOneVariableIsZeroDimensional() {
        let one = Tensor([1.0, 2.0, 4.0], dtype: .float64)
        #expect(one.cov().shape == [] && Swift.abs(one.cov().item() - 7.0 / 3) < 1e-15)
        #expect(one.corrcoef().item() == 1)
        #expect(Tensor([[1.0, 2.0]], dtype: .float64).cov(correction: 2).item() == .infinity)   // 0.5 / 0, as PyTorch
        #expect(Tensor([1, 2, 3]).cov().dtype == .float32)
    }
}

@Suite struct MisuseMessageTestsOpsProducts {
    static let cases: [MisuseCase] = [
        MisuseCase(["einsum", "2 operand terms", "1 operands"]) { _ = Tensor.einsum("ij,jk", Tensor.ones([2, 2])) },
        MisuseCase(["einsum", "subscript j", "sizes 3 and 4"]) { _ = Tensor.einsum("ij,jk", Tensor.ones([2, 3]), Tensor.ones([4, 2])) },
        MisuseCase(["einsum", "\"ij\"", "[2, 3, 4]"]) { _ = Tensor.einsum("ij->i", Tensor.ones([2, 3, 4])) },
        MisuseCase(["einsum", "invalid subscript '1'"]) { _ = Tensor.einsum("i1->i", Tensor.ones([2, 3])) },
        MisuseCase(["einsum", "output subscript k"]) { _ = Tensor.einsum("ij->k", Tensor.ones([2, 3])) },
        MisuseCase(["tensordot", "[2, 3]", "[4, 5]"]) { _ = Tensor.ones([2, 3]).tensordot(Tensor.ones([4, 5]), dims: 1) },
        MisuseCase(["addmv", "[3, 4]", "[5]"]) { _ = Tensor.ones([3]).addmv(Tensor.ones([3, 4]), Tensor.ones([5])) },
        MisuseCase(["baddbmm", "[4, 3]", "[2, 3, 2]"]) { _ = Tensor.ones([4, 3]).baddbmm(Tensor.ones([2, 3, 2]), Tensor.ones([2, 2, 4])) },
        MisuseCase(["multiDot", "[2, 3]", "[4, 2]"]) { _ = Linalg.multiDot([Tensor.ones([2, 3]), Tensor.ones([4, 2])]) },
        MisuseCase(["cdist", "[2, 3]", "[2, 4]"]) { _ = Tensor.cdist(Tensor.ones([2, 3]), Tensor.ones([2, 4])) },
        MisuseCase(["cov", "fweights", "[3]"]) { _ = Tensor.ones([2, 3]).cov(fweights: Tensor.ones([3])) },
        MisuseCase(["blockDiag", "[1, 2, 3]"]) { _ = Tensor.blockDiag([Tensor.ones([1, 2, 3])]) },
    ]

    @Test(arguments: 0..<cases.count)
    func stopsNamingOpAndShapes(_ index: Int) async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) { [index] in
            MisuseMessageTestsOpsProducts.cases[index].run()
        }
        expectMisuseMessage(r, Self.cases[index].needles, case: index)
    }
}

extension ViewSweepTests {
    @Test func productsOnViews() {
        sweep("einsum", [[3, 4], [4, 2]]) { Tensor.einsum("ij,jk->ik", $0[0], $0[1]) }
        sweep("tensordot inner", [[3, 4], [2, 4]]) { $0[0].inner($0[1]) + $0[0].tensordot($0[1], dims: ([1], [1])) }
        sweep("cdist", [[3, 4], [2, 4]]) { Tensor.cdist($0[0], $0[1]) }
        sweep("cov", [[3, 4]]) { $0[0].cov() }
    }
}
