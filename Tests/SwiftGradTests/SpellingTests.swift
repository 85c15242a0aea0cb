import Testing
import SwiftGrad

/// The spellings PyTorch users type: view(as:), reshape(as:), randn/rand(requiresGrad:),
/// dropout modules with an unlabelled p, t().
@Suite struct SpellingTests {
    @Test func viewAndReshapeAsTakeTheOtherShape() {
        let flat = Tensor.arange(0, 6, dtype: .float32)
        let grid = Tensor.zeros([2, 3])
        let v = flat.view(as: grid)
        #expect(v.shape == [2, 3] && v.scalars == flat.scalars)
        let r = v.t().reshape(as: flat)            // not contiguous: reshape copies
        #expect(r.shape == [6] && r.scalars == [0, 3, 1, 4, 2, 5])
    }

    @Test func randomCreationCanRequireGrad() {
        let w = Tensor.randn([3, 4], generator: Generator(seed: 1), requiresGrad: true)
        #expect(w.requiresGrad && w.isLeaf && w.shape == [3, 4])
        #expect(w.scalars == Tensor.randn([3, 4], generator: Generator(seed: 1)).scalars)
        let u = Tensor.rand([2], requiresGrad: true)
        #expect(u.requiresGrad && u.scalars.allSatisfy { $0 >= 0 && $0 < 1 })
        (w * 2).sum().backward()
        #expect(w.grad?.scalars == [Float](repeating: 2, count: 12))
    }

    @Test func dropoutModulesTakeAnUnlabelledP() {
        #expect(Dropout(0.3).p == 0.3 && Dropout2d(0.2).p == 0.2 && Dropout1d(0.1).p == 0.1)
        #expect(Dropout3d(0.4).p == 0.4 && AlphaDropout(0.25).p == 0.25 && FeatureAlphaDropout(0.5).p == 0.5)
        #expect(Dropout().p == 0.5)
        let x = Tensor.ones([4])
        let d = Dropout(0.5)
        d.eval()
        #expect(d(x).scalars == x.scalars)
    }

    @Test func tTransposesMatrices() {
        let m = Tensor([[1, 2, 3], [4, 5, 6]])
        #expect(m.t().shape == [3, 2] && m.t().contiguous().scalars == [1, 4, 2, 5, 3, 6])
        #expect(Tensor([1.0, 2.0]).t().shape == [2])
    }
}
