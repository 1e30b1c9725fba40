/// Checks the training numbers a user types, before any data is read. A negative learning rate
/// trains uphill without a word; an infinite or NaN one fills the weights with NaN after the first
/// step, so the whole run is spent for nothing.
public enum HyperparameterCheck {
    /// Learning rates (and `--layer-decay`, a factor on them): finite and > 0.
    public static func positive(_ value: Float, flag: String) throws {
        guard value.isFinite, value > 0 else {
            throw FitError("\(flag) \(value): must be a finite number greater than 0 (e.g. 1e-3)")
        }
    }

    /// L-BFGS C: finite and > 0.
    public static func positive(_ value: Double, flag: String) throws {
        guard value.isFinite, value > 0 else {
            throw FitError("\(flag) \(value): must be a finite number greater than 0 (e.g. 1)")
        }
    }

    /// Weight decays, gradient clips, label smoothing: finite and ≥ 0.
    public static func nonNegative(_ value: Float, flag: String) throws {
        guard value.isFinite, value >= 0 else {
            throw FitError("\(flag) \(value): must be a finite number of at least 0 (e.g. 1e-4)")
        }
    }
}
