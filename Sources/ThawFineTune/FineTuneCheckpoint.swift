import Foundation
import ThawTraining
import ThawWeights

/// The state of an interrupted fine-tuning run: every tensor of the model (PyTorch layout and
/// keys), each trainable tensor's optimizer state (`<key>.__opt1`, `<key>.__opt2`), and in the
/// safetensors metadata the epoch, optimizer step, RNG seed, history and early-stopping state.
/// Written atomically (temporary file, then rename), so a crash leaves the previous checkpoint.
public struct FineTuneCheckpoint: Equatable {
    public static let fileName = "finetune-checkpoint.safetensors"

    public var epochsDone: Int
    /// Optimizer steps taken (the next step is `step + 1`).
    public var step: Int
    /// Epoch orders come from SplitMix64(seed, epoch): the seed is the whole RNG state.
    public var seed: UInt64
    /// The settings the run was started with; `--resume` refuses a different configuration.
    public var config: String
    public var history: [EpochRecord]
    public var bestValLoss: Double
    public var bestEpoch: Int
    public var badEpochs: Int

    public init(epochsDone: Int, step: Int, seed: UInt64, config: String, history: [EpochRecord],
                bestValLoss: Double, bestEpoch: Int, badEpochs: Int) {
        self.epochsDone = epochsDone; self.step = step; self.seed = seed; self.config = config
        self.history = history; self.bestValLoss = bestValLoss; self.bestEpoch = bestEpoch; self.badEpochs = badEpochs
    }

    public static func path(in dir: String) -> String { (dir as NSString).appendingPathComponent(fileName) }

    /// A diverged epoch has a NaN or infinite loss; plain JSON has no spelling for it, and the
    /// checkpoint must still be written (as `SweepProgress` does).
    private static var historyEncoder: JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }
    private static var historyDecoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }

    /// Writes `model` and this state to `<dir>/finetune-checkpoint.safetensors`.
    public func write(_ model: some CheckpointableModel, dir: String) throws {
        var tensors: [SafetensorsWriter.Tensor] = []
        for t in model.tensors {
            tensors.append(.init(name: t.key, shape: t.torchShape, values: t.torchValue))
            let (s1, s2) = t.optimizerState
            if !s1.isEmpty { tensors.append(.init(name: t.key + ".__opt1", shape: t.torchShape, values: TrainableTensor.toTorch(s1, t.layout))) }
            if !s2.isEmpty { tensors.append(.init(name: t.key + ".__opt2", shape: t.torchShape, values: TrainableTensor.toTorch(s2, t.layout))) }
        }
        let history = String(decoding: try Self.historyEncoder.encode(self.history), as: UTF8.self)
        let meta = ["epochs_done": "\(epochsDone)", "step": "\(step)", "rng": "splitmix64 seed \(seed)", "seed": "\(seed)",
                    "config": config, "history": history, "best_val_loss": "\(bestValLoss)", "best_epoch": "\(bestEpoch)",
                    "bad_epochs": "\(badEpochs)"]
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try SafetensorsWriter.encode(tensors, metadata: meta)
                .write(to: URL(fileURLWithPath: Self.path(in: dir)), options: .atomic)
        } catch {
            throw FineTuneError("\(Self.path(in: dir)): cannot write the checkpoint (\(error.localizedDescription)). "
                                + "Fix: choose a writable --checkpoint folder with free space")
        }
    }

    /// Reads the checkpoint in `dir` into `model` (values and optimizer state) and returns its state.
    public static func read(dir: String, into model: some CheckpointableModel) throws -> FineTuneCheckpoint {
        let path = Self.path(in: dir)
        let file = try WeightFile.load(path)
        func meta(_ k: String) throws -> String {
            guard let v = file.metadata[k] else {
                throw FineTuneError("\(path): metadata \"\(k)\" is missing; the file is not a Thaw fine-tuning checkpoint. "
                                    + "Fix: delete it, or point --checkpoint elsewhere")
            }
            return v
        }
        func tensor(_ name: String, _ t: TrainableTensor) throws -> [Float]? {
            guard let w = file[name] else { return nil }
            guard w.shape == t.torchShape else {
                throw FineTuneError("\(path): \(name) is \(w.shape), the model expects \(t.torchShape). "
                                    + "Fix: resume with the same --from and weights, or start without --resume")
            }
            return TrainableTensor.toKernel(w.floats(), t.layout)
        }
        for t in model.tensors {
            guard let v = try tensor(t.key, t) else {
                throw FineTuneError("\(path): no tensor \(t.key). Fix: resume with the same --from, or start without --resume")
            }
            t.value = v
            t.optimizerState = (try tensor(t.key + ".__opt1", t) ?? [], try tensor(t.key + ".__opt2", t) ?? [])
        }
        guard let done = Int(try meta("epochs_done")), let step = Int(try meta("step")), let seed = UInt64(try meta("seed")),
              let best = Double(try meta("best_val_loss")), let bestEpoch = Int(try meta("best_epoch")),
              let bad = Int(try meta("bad_epochs")),
              let history = try? Self.historyDecoder.decode([EpochRecord].self, from: Data(try meta("history").utf8)) else {
            throw FineTuneError("\(path): unreadable checkpoint metadata. Fix: delete the checkpoint and start again")
        }
        return FineTuneCheckpoint(epochsDone: done, step: step, seed: seed, config: try meta("config"), history: history,
                                  bestValLoss: best, bestEpoch: bestEpoch, badEpochs: bad)
    }

    /// The state to continue from: with `settings.resume` and a checkpoint in `settings.checkpointDir`,
    /// that checkpoint read into `model` (refused, naming each differing setting, when it was written
    /// with other settings or another seed); otherwise nil (start from epoch 0).
    public static func resume(_ settings: FineTuneSettings, into model: some CheckpointableModel) throws -> FineTuneCheckpoint? {
        guard settings.resume, let dir = settings.checkpointDir, FileManager.default.fileExists(atPath: path(in: dir)) else {
            return nil
        }
        let state = try read(dir: dir, into: model)
        guard state.config == settings.config, state.seed == settings.seed else {
            // Settings are "key=value" lines: name only the ones that differ.
            let now = settingLines(settings.config), then = settingLines(state.config)
            var diff = then.filter { now[$0.key] != $0.value }.sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value) (now \(now[$0.key] ?? "unset"))" }
            diff += now.filter { then[$0.key] == nil }.sorted { $0.key < $1.key }.map { "\($0.key) unset (now \($0.value))" }
            if state.seed != settings.seed { diff.append("seed=\(state.seed) (now \(settings.seed))") }
            throw FineTuneError("\(path(in: dir)): written by a run with other settings: "
                                + diff.joined(separator: ", ") + ". Fix: resume with the same flags, or use another --checkpoint folder")
        }
        return state
    }

    /// "key=value" lines as a dictionary.
    static func settingLines(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            out[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return out
    }
}
