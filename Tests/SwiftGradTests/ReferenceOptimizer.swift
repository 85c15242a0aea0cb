import Foundation
import SwiftGrad

/// A plain, element-by-element Double transcription of PyTorch's single-tensor optimizer algorithms
/// (torch/optim/*.py), written independently of the fused kernels to cross-check them.
struct ReferenceOptimizer {
    let a: GoldenArgs
    var x: [Double]
    var t = 0
    var m: [Double], v: [Double], vmax: [Double], buf: [Double]?, gavg: [Double], acc: [Double]
    var muProduct = 1.0

    init(_ a: GoldenArgs, _ x: [Double]) {
        self.a = a
        self.x = x
        m = Array(repeating: 0, count: x.count)
        v = m; vmax = m; gavg = m; acc = m
        if a.string("optimizer") == "Adagrad" { v = Array(repeating: a.double("initial_accumulator_value") ?? 0, count: x.count) }
    }

    func d(_ k: String, _ def: Double) -> Double { a.double(k) ?? def }
    func b(_ k: String) -> Bool { a.bool(k) ?? false }
    var betas: (Double, Double) {
        (a.raw["betas"] as? [NSNumber]).map { ($0[0].doubleValue, $0[1].doubleValue) } ?? (0.9, 0.999)
    }

    mutating func step(_ grads: [Double]) {
        t += 1
        let tt = Double(t)
        let kind = a.string("optimizer")!
        var newBuf = buf ?? Array(repeating: 0, count: x.count)
        for i in x.indices {
            var g = b("maximize") ? -grads[i] : grads[i]
            let wd = d("weight_decay", kind == "AdamW" ? 1e-2 : 0)
            let decoupled = kind == "AdamW" || b("decoupled_weight_decay")
            switch kind {
            case "SGD":
                let lr = d("lr", 1e-3), mom = d("momentum", 0)
                if wd != 0 { g += wd * x[i] }
                if mom != 0 {
                    newBuf[i] = buf == nil ? g : buf![i] * mom + (1 - d("dampening", 0)) * g
                    g = b("nesterov") ? g + mom * newBuf[i] : newBuf[i]
                }
                x[i] -= lr * g
            case "Adam", "AdamW":
                let lr = d("lr", 1e-3), (b1, b2) = betas, eps = d("eps", 1e-8)
                if wd != 0 { if decoupled { x[i] *= 1 - lr * wd } else { g += wd * x[i] } }
                m[i] = m[i] + (1 - b1) * (g - m[i])
                v[i] = v[i] * b2 + (1 - b2) * g * g
                var vv = v[i]
                if b("amsgrad") { vmax[i] = max(vmax[i], v[i]); vv = vmax[i] }
                let denom = vv.squareRoot() / (1 - pow(b2, tt)).squareRoot() + eps
                x[i] -= lr / (1 - pow(b1, tt)) * m[i] / denom
            case "RMSprop":
                let lr = d("lr", 1e-2), alpha = d("alpha", 0.99), eps = d("eps", 1e-8), mom = d("momentum", 0)
                if wd != 0 { g += wd * x[i] }
                v[i] = v[i] * alpha + (1 - alpha) * g * g
                var avg = v[i]
                if b("centered") { gavg[i] = gavg[i] + (1 - alpha) * (g - gavg[i]); avg -= gavg[i] * gavg[i] }
                avg = avg.squareRoot() + eps
                if mom > 0 { newBuf[i] = (buf?[i] ?? 0) * mom + g / avg; x[i] -= lr * newBuf[i] } else { x[i] -= lr * g / avg }
            case "Adagrad":
                if wd != 0 { g += wd * x[i] }
                let clr = d("lr", 1e-2) / (1 + (tt - 1) * d("lr_decay", 0))
                v[i] += g * g
                x[i] -= clr * g / (v[i].squareRoot() + d("eps", 1e-10))
            case "Adadelta":
                let rho = d("rho", 0.9), eps = d("eps", 1e-6)
                if wd != 0 { g += wd * x[i] }
                v[i] = v[i] * rho + (1 - rho) * g * g
                let delta = (acc[i] + eps).squareRoot() / (v[i] + eps).squareRoot() * g
                acc[i] = acc[i] * rho + (1 - rho) * delta * delta
                x[i] -= d("lr", 1) * delta
            case "NAdam":
                let lr = d("lr", 2e-3), (b1, b2) = betas, eps = d("eps", 1e-8), psi = d("momentum_decay", 4e-3)
                if wd != 0 { if decoupled { x[i] *= 1 - lr * wd } else { g += wd * x[i] } }
                let mu = b1 * (1 - 0.5 * pow(0.96, tt * psi)), muNext = b1 * (1 - 0.5 * pow(0.96, (tt + 1) * psi))
                let prod = muProduct * mu
                m[i] = m[i] + (1 - b1) * (g - m[i])
                v[i] = v[i] * b2 + (1 - b2) * g * g
                let denom = (v[i] / (1 - pow(b2, tt))).squareRoot() + eps
                x[i] -= lr * (1 - mu) / (1 - prod) * g / denom
                x[i] -= lr * muNext / (1 - prod * muNext) * m[i] / denom
            case "RAdam":
                let lr = d("lr", 1e-3), (b1, b2) = betas, eps = d("eps", 1e-8)
                if wd != 0 { if decoupled { x[i] *= 1 - lr * wd } else { g += wd * x[i] } }
                m[i] = m[i] + (1 - b1) * (g - m[i])
                v[i] = v[i] * b2 + (1 - b2) * g * g
                let mhat = m[i] / (1 - pow(b1, tt))
                let rhoInf = 2 / (1 - b2) - 1
                let rho = rhoInf - 2 * tt * pow(b2, tt) / (1 - pow(b2, tt))
                if rho > 5 {
                    let r = ((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho)).squareRoot()
                    x[i] -= mhat * lr * (1 - pow(b2, tt)).squareRoot() / (v[i].squareRoot() + eps) * r
                } else {
                    x[i] -= mhat * lr
                }
            default: fatalError(kind)
            }
        }
        if kind == "NAdam" {
            let (b1, _) = betas, psi = d("momentum_decay", 4e-3)
            muProduct *= b1 * (1 - 0.5 * pow(0.96, tt * psi))
        }
        if (kind == "SGD" && d("momentum", 0) != 0) || (kind == "RMSprop" && d("momentum", 0) > 0) { buf = newBuf }
    }
}
