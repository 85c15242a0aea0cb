// Names the SwiftGrad column of Docs/PyTorchMigration.md uses without declaring them, for
// Scripts/check_migration_tables.py (with Scripts/doc_snippets_prelude.swift: x, y, a, b, v, w,
// model, opt, loader, g, logits, ...). Each is a value of the type the table assumes; only types
// matter, nothing here runs.
// The part before the first `// MARK:` is declared at file scope; the lines under
// `// MARK: <heading>` are local to each cell of the table under that heading of the page.
import Foundation
import SwiftGrad

let intTensor = Tensor([1, 2, 3])
let m = Tensor.randn([8, 8])          // a mask, a matrix, a mean
let i = Tensor([0, 1]), j = Tensor([1, 0])
let s = Tensor.randn([8, 8])          // a source
let c = Tensor.ones([8, 8])           // a condition or a third matrix
let t = Tensor.randn([8]), u = Tensor.randn([8]), p = Tensor.rand([8])
let l = Tensor.eye(3), tau = Tensor.randn([3])
let n = 3, k = 2, r = 2, q = 0.5
let x1 = Tensor.randn([3, 4]), x2 = Tensor.randn([5, 4])
let src = Tensor.randn([8]), mask = Tensor.ones([8]) .> 0
let idx = Tensor([0, 1])
let h = Tensor.randn([1, 4]), h0 = Tensor.randn([1, 1, 4]), c0 = Tensor.randn([1, 1, 4])
let flag = true
let f: (Tensor) -> Tensor = { $0.exp() }
let module: Module = Linear(2, 2)
let sd = model.stateDict()
let ds = TensorDataset(x, y)
let params = model.parameters()
let theta = Tensor.randn([1, 2, 3]), logp = Tensor.randn([4, 3])
let C = 4
let out = Tensor.randn([8])
let va = Tensor.randn([8]), vb = Tensor.randn([8])
let dir = "model-dir", path = "m.safetensors"

// MARK: Tensors: creation and conversion
let s = g.getState()

// MARK: Sorting, statistics, counting, predicates and scatter
let c = 3

// MARK: torch.nn: modules
let m = Linear(2, 2)
let lstm = LSTM(inputSize: 4, hiddenSize: 4)
let encoder = TransformerEncoder(numLayers: 1) { TransformerEncoderLayer(dModel: 8, nhead: 2) }
let mha = MultiheadAttention(embedDim: 8, numHeads: 2)
let a = Linear(2, 2), b = ReLU()

// MARK: Losses
let q = Tensor.rand([4, 3])

// MARK: torch.nn.init
let w = Tensor.randn([4, 4])

// MARK: torch.optim
let decay = model.parameters(), noDecay: [Tensor] = []
let a = model.parameters(), b: [Tensor] = []
let emb = Embedding(10, 4)
final class Net: Module { let fc = Linear(2, 2) }
let swa = AveragedModel(model, copy: Sequential(Linear(8, 16), ReLU(), Linear(16, 3)))
let batches = [x]
let f: () -> Tensor = { loss }
let head = Linear(16, 3)
let hiddenWeights = [Tensor.randn([4, 4], requiresGrad: true)]

// MARK: torch.optim.lr_scheduler
let warm = LinearLR(opt, startFactor: 0.1, endFactor: 1, totalIters: 5)
let cos = CosineAnnealingLR(opt, tMax: 10)
let a = StepLR(opt, stepSize: 1), b = ExponentialLR(opt, gamma: 0.9)
let sched = StepLR(opt, stepSize: 1)
let sd = sched.stateDict()

// MARK: torch.utils.data
let idx = [0, 1]
let m = [0.5, 0.5, 0.5], s = [0.2, 0.2, 0.2]
let paths = ["data_batch_1.bin"]
let p = "image.png", root = "data"
let words = ["emma", "olivia"]
struct Triples: Dataset {
    var count: Int { 4 }
    subscript(index: Int) -> (Tensor, Tensor, Tensor) { (Tensor([1, 2]), Tensor(1), Tensor.ones([2])) }
}
struct Records: Dataset {
    var count: Int { 4 }
    subscript(index: Int) -> [String: Tensor] { ["ids": Tensor([1, 2])] }
}
let triples = Triples(), records = Records()

// MARK: Saving and loading
let tensors = ["w": w]
let text = "hello", ids = [1, 2, 3]
let e = 1, s = 10
let sched = StepLR(opt, stepSize: 1)
let tok = try! Tokenizer(contentsOf: "tokenizer.json")
let lora = LoRA(model, rank: 8, targetModules: ["0"])

// MARK: Pretrained models (`import SwiftGradModels`)
let model = try! GPT2LMHeadModel(directory: dir)
let ids = Tensor([[1, 2, 3]])
let p = "resnet18.safetensors"
let bert = try! BertForMaskedLM(directory: dir)

// MARK: Training utilities
let l = 0.5

// MARK: torch.nn: more functions and modules (activations, losses, padding, pooling, norms, dropout)
let grid = Tensor.randn([1, 4, 4, 2])
let ids = Tensor([1, 2, 3])

// MARK: torch.func and forward-mode AD
let m = Linear(8, 8)
let params: [String: Tensor] = [:]
let f2: (Tensor, Tensor) -> Tensor = { $0 * $1 }
let fAux: (Tensor) -> (Tensor, Double) = { ($0.sum(), 1) }
let fList: ([Tensor]) -> Tensor = { $0[0] * $0[1] }

// MARK: Attention, decoders and generation
let q = Tensor.randn([1, 2, 4, 8]), k = Tensor.randn([1, 2, 4, 8]), v = Tensor.randn([1, 2, 4, 8])
let layer = TransformerDecoderLayer(dModel: 8, nhead: 2)
let tgt = Tensor.randn([1, 4, 8]), memory = Tensor.randn([1, 4, 8]), src = Tensor.randn([1, 4, 8])
let model = Transformer(dModel: 8, nhead: 2)
let lstmCell = LSTMCell(inputSize: 8, hiddenSize: 8), gruCell = GRUCell(inputSize: 8, hiddenSize: 8)
let cache = KVCache(layers: 1, batch: 1, kvHeads: 2, maxLength: 8, headDim: 4)
let p = Tensor.rand([4])

// MARK: 3-D convolution, pooling and interpolation; the LU family
let (lu, pivots) = try! Linalg.luFactor(a)

// MARK: More of the op surface (ops16)
let e = Tensor([1, 2])
let s1 = [2, 1], s2 = [1, 3]

// MARK: Tolerances, hermitian, bias=False and other conformance gaps (ops16unsup2)
let t1 = Tensor([1e-3], dtype: .float64), t2 = Tensor([1e-4], dtype: .float64)
let ids = Tensor([[1, 2, 3]])
