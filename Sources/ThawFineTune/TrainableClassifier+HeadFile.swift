import Foundation
import ThawBundle
import ThawWeights

extension TrainableClassifier {
    /// Warm start from a linear head: a bundle from `thaw fit --export` / `sweep --export-best` (`head.out.*`),
    /// or an older bare head file (`out.weight`, `out.bias`).
    public static func load(headFile path: String, inFeatures: Int, classes: Int, keyPrefix: String = "_fc") throws -> TrainableClassifier {
        let file = try WeightFile.load(path)
        let w: WeightTensor, b: WeightTensor
        if file.metadata["format"] == ModelBundle.format {
            let d = try ModelBundle.read(path).description
            guard d.kind == .head, d.head.hidden.isEmpty, d.pooling != "gem" else {
                throw FineTuneError("\(path): holds a \(d.kind == .head ? "\(d.head.type) head with \(d.pooling) pooling" : "fine-tuned network"): only a linear head "
                                    + "can start the fine-tuned classifier. Fix: fit with --head linear on the pool tap, or pass --head linear")
            }
            (w, b) = (file["head.out.weight"]!, file["head.out.bias"]!)
        } else {
            if let extra = file.tensors.first(where: { !$0.name.hasPrefix("out.") }) {
                throw FineTuneError("\(path): holds \"\(extra.name)\": only a linear head (out.weight, out.bias) can start the "
                                    + "fine-tuned classifier. Fix: fit with --head linear --pooling avg on the pool tap, or pass --head linear")
            }
            guard let ow = file["out.weight"], let ob = file["out.bias"] else {
                throw FineTuneError("\(path): no out.weight/out.bias. Fix: pass a file written by `thaw fit --export`")
            }
            (w, b) = (ow, ob)
        }
        guard w.shape.count == 2, b.shape == [w.shape[0]] else {
            throw FineTuneError("\(path): out.weight is \(w.shape) and out.bias \(b.shape), not a linear head [classes, in] and [classes]. "
                                + "Fix: pass a file written by `thaw fit --export` with --head linear")
        }
        guard w.shape[1] == inFeatures else {
            throw FineTuneError("\(path): the head takes \(w.shape[1]) features, the fine-tuned classifier takes \(inFeatures) "
                                + "(the width of this backbone's pool tap). Fix: fit the head on the pool tap of this cache, or pass --head linear")
        }
        guard w.shape[0] == classes else {
            throw FineTuneError("\(path): the head scores \(w.shape[0]) classes, the cache has \(classes). "
                                + "Fix: fit the head on this cache's data set, or pass --head linear")
        }
        return TrainableClassifier(inFeatures: inFeatures, classes: classes, weight: w.floats(), bias: b.floats(), keyPrefix: keyPrefix)
    }
}
