import Foundation
import XCTest

/// `thaw finetune --precision bf16` end to end on a small Fashion-MNIST cache (EfficientNet-Lite0 at 32 px, taps pool
/// and blocks.11): the run record and `--json` state the precision; the run's test metrics are those `thaw predict` gives
/// with its exported bundle (evaluation in float32); a CPU without AVX512-BF16 gets a refusal naming the feature (and the
/// test is skipped for the run itself).
final class FinetunePrecisionCLITests: XCTestCase {
    private var hasBF16: Bool {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = info.split(separator: "\n").first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ").map(String.init)) } ?? []
        return ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd", "avx512_bf16"].allSatisfy(flags.contains)
    }

    func testPrecisionBF16TrainsAndIsRecorded() throws {
        ThawBinary.expectRefusal(["finetune", "--cache", "/nonexistent", "--precision", "f16"], ["--precision: f32 or bf16"])
        let help = try ThawBinary.run(["finetune", "--help"])
        XCTAssertTrue(help.stdout.contains("--precision") && help.stdout.contains("AVX512-BF16"), help.stdout)
        guard hasBF16 else {
            ThawBinary.expectRefusal(["finetune", "--cache", "/nonexistent", "--precision", "bf16"], ["avx512_bf16"])
            throw XCTSkip("this CPU lacks avx512_bf16: --precision bf16 refused (checked), its run skipped")
        }
        let folder = NSTemporaryDirectory() + "thaw-cli-bf16-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let extract = try ThawBinary.run(["extract", "--model", "efficientnet-lite0", "--data", "fashion-mnist", "--cache", "c",
                                          "--image-size", "32", "--tap", "pool", "--tap", "blocks.11", "--limit", "40"], in: folder)
        XCTAssertEqual(extract.status, 0, extract.stderr)
        var losses = [String: Double]()
        for precision in ["bf16", "f32"] {
            let r = try ThawBinary.run(["finetune", "--cache", "c", "--from", "blocks.11", "--epochs", "1", "--seed", "5",
                                        "--precision", precision, "--json"], in: folder)
            XCTAssertEqual(r.status, 0, r.stderr)
            let record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], r.stdout)
            let config = try XCTUnwrap(record["config"] as? [String: Any], "\(record.keys)")
            XCTAssertEqual(config["precision"] as? String, precision)
            let metrics = try XCTUnwrap(record["metrics"] as? [String: Any])
            let loss = try XCTUnwrap(metrics["val_loss"] as? Double, "\(metrics.keys)")
            XCTAssertTrue(loss.isFinite && loss > 0, "\(precision): validation loss \(loss)")
            losses[precision] = loss
        }
        // The same seed: bf16 rounding moves the loss a little, not far.
        XCTAssertNotEqual(losses["bf16"], losses["f32"], "bf16 ran (the loss differs from float32's)")
        XCTAssertEqual(losses["bf16"]!, losses["f32"]!, accuracy: 0.2 * losses["f32"]!)
        // Evaluation runs in float32 under bf16 training too: the run's test loss is the exported bundle's in `thaw predict`.
        let text = try ThawBinary.run(["finetune", "--cache", "c", "--from", "blocks.11", "--epochs", "1", "--precision", "bf16",
                                       "--seed", "5", "--export", "b.safetensors", "--json"], in: folder)
        XCTAssertEqual(text.status, 0, text.stderr)
        let record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.stdout.utf8)) as? [String: Any], text.stdout)
        let testLoss = try XCTUnwrap((record["metrics"] as? [String: Any])?["test_loss"] as? Double, "metrics.test_loss")
        // The run's wall time per phase (`PhaseClock`): every phase present, none negative or NaN.
        let phases = try XCTUnwrap((record["metrics"] as? [String: Any])?["phase_seconds"] as? [String: Double], "metrics.phase_seconds")
        for phase in ["load", "train", "test", "export"] {
            let t = try XCTUnwrap(phases[phase], "phase_seconds.\(phase) in \(phases)")
            XCTAssertTrue(t >= 0 && t.isFinite, "\(phase): \(t) s")
        }
        let predict = try ThawBinary.run(["predict", "--bundle", "b.safetensors", "--cache", "c", "--split", "test", "--json"], in: folder)
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let output = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(predict.stdout.utf8)) as? [String: Any], predict.stdout)
        let predictLoss = try XCTUnwrap((output["metrics"] as? [String: Any])?["loss"] as? Double, "predict metrics.loss: \(output.keys)")
        XCTAssertTrue(testLoss.isFinite && testLoss > 0, "test loss \(testLoss)")
        XCTAssertEqual(predictLoss, testLoss, accuracy: 1e-6 * testLoss, "the run's test loss against thaw predict of its bundle")
    }
}
