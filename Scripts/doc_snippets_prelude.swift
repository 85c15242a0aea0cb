// Names the documentation's code fragments use without declaring them, for
// Scripts/check_doc_snippets.py. Each is a plausible value of the type the docs assume; a block's
// own declarations shadow these.
import Foundation
import SwiftGrad

let x = Tensor.randn([4, 8])
let y = Tensor.randint(0, 3, [4])
let images = Tensor.rand([4, 1, 8, 8])
let labels = Tensor.randint(0, 10, [4])
let model = Sequential(Linear(8, 16), ReLU(), Linear(16, 3))
let optimizer = Adam(model.parameters(), lr: 1e-3)
let opt = optimizer
let loader = DataLoader(TensorDataset(x, y), batchSize: 2)
let loss = crossEntropy(logits: model(x), targets: y)
let g = Generator(seed: 0)
let epochs = 3
let w = Tensor.randn([8, 8], requiresGrad: true)
let v = Tensor.randn([8])
let a = Tensor.randn([8, 8])
let b = Tensor.randn([8, 8])
let logits = Tensor.randn([4, 3])
let targets = Tensor.randint(0, 3, [4])
let writer = try! SummaryWriter(logDir: NSTemporaryDirectory() + "doc-snippets")
let trainLoss = 0.5, valLoss = 0.6, acc = 0.9, lr = 1e-3
let testLoader = loader
let history: [Int] = [3, 1, 4]
let covariances = Tensor.eye(3).expand([2, 3, 3]).contiguous()

/// What `...` in a block becomes: any value (never evaluated; the snippets are only type-checked).
func placeholder<T>() -> T { fatalError("placeholder") }
/// `...` where no type is given (`let loss = ...`): a tensor; also `...` as a statement.
@discardableResult func placeholder() -> Tensor { fatalError("placeholder") }
