// xor: a 2-8-1 tanh network learns exclusive-or, the classic problem a linear model cannot solve.
// Run: swift run -c release xor [--steps 500] [--lr 0.05]
// The model and loop are in Examples/ExampleKit/XOR.swift.
import ArgumentParser
import Foundation
import ExampleKit
import SwiftGrad

@main
struct XORCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "xor", abstract: "Train a tiny MLP on XOR.")

    @Option(help: "Full-batch Adam steps.") var steps = 500
    @Option(help: "Adam learning rate.") var lr = 0.05
    @Option(help: "Hidden units.") var hidden = 8
    @Option(help: "Seed for initialisation.") var seed: UInt64 = 0

    mutating func run() throws {
        guard steps >= 1, hidden >= 1, lr > 0 else { throw ValidationError("steps and hidden must be at least 1, lr positive") }
        let result = trainXOR(steps: steps, lr: lr, hidden: hidden, seed: seed, logEvery: max(1, steps / 5))
        for (step, loss) in result.losses { print(String(format: "step %4d  loss %.5f", step, loss)) }
        let (x, y) = xorData()
        let inputs = x.scalars, targets = y.scalars
        for i in 0..<4 {
            let p = result.probabilities[i]
            print(String(format: "%.0f xor %.0f = %.0f   predicted %d (p = %.3f)",
                         inputs[2 * i], inputs[2 * i + 1], targets[i], p > 0.5 ? 1 : 0, p))
        }
        let solved = (0..<4).allSatisfy { (result.probabilities[$0] > 0.5) == (targets[$0] > 0.5) }
        print(solved ? "learned XOR" : "not solved yet: try more --steps")
        if !solved { throw ExitCode.failure }
    }
}
