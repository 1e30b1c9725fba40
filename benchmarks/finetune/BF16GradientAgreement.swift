import Foundation
import ThawCore
import ThawFineTune
import ThawKernels

/// `--compare-bf16` (with --alternate) also prints this first: one chunk's gradients (32 maps, frozen BN, the backward of
/// L = Σ g·logits for a fixed random g) at `.bf16` against `.f32`, per trainable tensor: ‖g_bf16 − g_f32‖₂ / ‖g_f32‖₂.
func bf16GradientAgreement(model: FineTuneModel, maps x: [Float], rows: Int) {
    guard TrainingPrecision.bf16.missingCPUFeature == nil else { return }
    let input = Array(x[0..<(rows * 7 * 7 * 192)])
    func gradients(_ p: TrainingPrecision) -> [(String, [Float])] {
        TrainingKernels.precision = p
        model.zeroGrad()
        let (logits, saved) = model.forward(input, batch: rows, height: 7, width: 7, mode: .running)
        var dg = SplitMix64(seed: 23)
        _ = model.backward(logits.map { _ in dg.nextNormal() / Float(rows) }, saved: saved)
        return model.tensors.filter(\.trainable).map { ($0.key, $0.grad) }
    }
    let ref = gradients(.f32), got = gradients(.bf16)
    TrainingKernels.precision = .f32
    model.zeroGrad()
    var errors = [(String, Double)]()
    for ((key, a), (_, b)) in zip(ref, got) {
        let num = zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }
        let den = a.reduce(0.0) { $0 + Double($1) * Double($1) }
        errors.append((key, den > 0 ? (num / den).squareRoot() : (num == 0 ? 0 : .infinity)))
    }
    let sorted = errors.map(\.1).sorted()
    print(String(format: "one-chunk gradients bf16 vs f32 (%d maps, %d tensors): relative L2 error median %.2e, max %.2e",
                 rows, errors.count, sorted[sorted.count / 2], sorted.last!))
    for (key, e) in errors.sorted(by: { $0.1 > $1.1 }).prefix(6) { print(String(format: "  %@ %.2e", key, e)) }
    for (key, e) in errors where key.contains("conv_pwl.weight") || key.contains("conv_head.weight") || key.contains("classifier.weight") {
        print(String(format: "  %@ %.2e", key, e))
    }
}
