// Fits y = 3x + 2 by gradient descent: the smallest complete SwiftGrad training loop.
// Run: swift run -c release fit-line
import SwiftGrad

manualSeed(0)
let x = Tensor.linspace(-1, 1, steps: 64).unsqueeze(axis: 1)          // [64, 1]
let noise = Tensor.randn([64, 1]) * 0.05
let y = x * 3 + 2 + noise                                             // the line to recover

let w = Tensor.zeros([1, 1], requiresGrad: true)
let b = Tensor.zeros([1], requiresGrad: true)
let lr = 0.1

for step in 0...200 {
    let prediction = linear(x, weight: w, bias: b)
    let loss = ((prediction - y) * (prediction - y)).mean()
    w.zeroGrad(); b.zeroGrad()
    loss.backward()
    withNoGrad {
        w -= w.grad! * lr
        b -= b.grad! * lr
    }
    if step % 50 == 0 { print("step \(step): loss \(loss.item())") }
}
print("learned w = \(w.item()), b = \(b.item()) (true: 3, 2)")
