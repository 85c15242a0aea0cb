import SwiftGrad

/// mlp_train_step: MLP 784→512→ReLU→256→ReLU→10, batch 128, cross-entropy, SGD lr 0.01 momentum 0.9.
func benchMLPTrainStep() {
    manualSeed(0)
    let model = Sequential(Linear(784, 512), ReLU(), Linear(512, 256), ReLU(), Linear(256, 10))
    let opt = SGD(model.parameters(), lr: 0.01, momentum: 0.9)
    let x = Tensor.randn([128, 784]), y = Tensor.randint(0, 10, [128])
    let ms = timeit {
        opt.zeroGrad()
        let loss = crossEntropy(logits: model(x), targets: y)
        loss.backward()
        opt.step()
    }
    emit("mlp_train_step", ms)
}

/// lstm_train_step: Embedding(65→64) → LSTM(64→128) → Linear(128→65) over 32 sequences of 64
/// tokens, cross-entropy over all positions, Adam lr 1e-3.
func benchLSTMTrainStep() {
    manualSeed(0)
    let emb = Embedding(65, 64), lstm = LSTM(64, 128, batchFirst: true), head = Linear(128, 65)
    let opt = Adam(emb.parameters() + lstm.parameters() + head.parameters(), lr: 1e-3)
    let x = Tensor.randint(0, 65, [32, 64]), y = Tensor.randint(0, 65, [32, 64])
    let ms = timeit(reps: 7) {
        opt.zeroGrad()
        let (h, _) = lstm(emb(x), state: nil)
        let loss = crossEntropy(logits: head(h).reshape([-1, 65]), targets: y.reshape([-1]))
        loss.backward()
        opt.step()
    }
    emit("lstm_train_step", ms)
}

/// transformer_layer_train_step: one post-norm encoder layer (d_model 128, 4 heads, FF 512, ReLU,
/// no dropout) on 32×64×128, loss mean(y²), AdamW lr 1e-3.
func benchTransformerLayerTrainStep() {
    manualSeed(0)
    let layer = TransformerEncoderLayer(dModel: 128, nhead: 4, dimFeedforward: 512, dropout: 0, batchFirst: true)
    let opt = AdamW(layer.parameters(), lr: 1e-3)
    let x = Tensor.randn([32, 64, 128])
    let ms = timeit(reps: 7) {
        opt.zeroGrad()
        let y = layer(x)
        let loss = (y * y).mean()
        loss.backward()
        opt.step()
    }
    emit("transformer_layer_train_step", ms)
}

/// cnn_train_step: Conv(1→32,3,pad 1)→ReLU→MaxPool 2→Conv(32→64,3,pad 1)→ReLU→MaxPool 2→Flatten→
/// Linear(3136→128)→ReLU→Linear(128→10); batch 64 of 1×28×28; cross-entropy; Adam lr 1e-3.
func benchCNNTrainStep() {
    manualSeed(0)
    let model = Sequential {
        Conv2d(1, 32, 3, padding: 1); ReLU(); MaxPool2d(2)
        Conv2d(32, 64, 3, padding: 1); ReLU(); MaxPool2d(2)
        Flatten(); Linear(64 * 7 * 7, 128); ReLU(); Linear(128, 10)
    }
    let opt = Adam(model.parameters(), lr: 1e-3)
    let x = Tensor.randn([64, 1, 28, 28]), y = Tensor.randint(0, 10, [64])
    let ms = timeit {
        opt.zeroGrad()
        let loss = crossEntropy(logits: model(x), targets: y)
        loss.backward()
        opt.step()
    }
    emit("cnn_train_step", ms)
}
