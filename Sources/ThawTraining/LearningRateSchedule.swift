import Foundation

/// How the learning rate moves over the optimizer steps of a run.
public enum LearningRateSchedule: Codable, Hashable, Sendable {
    /// The base rate at every step.
    case constant
    /// Linear warm-up from base/warmupSteps to base over `warmupSteps`, then cosine decay to `minFactor`·base.
    case cosine(warmupSteps: Int, minFactor: Float)
    /// base · gamma^⌊step / everySteps⌋.
    case step(everySteps: Int, gamma: Float)

    /// The rate for 0-based `step` of `totalSteps` given the base rate.
    public func rate(base: Float, step: Int, totalSteps: Int) -> Float {
        switch self {
        case .constant:
            return base
        case let .cosine(warmup, minFactor):
            if step < warmup { return base * Float(step + 1) / Float(warmup) }
            let span = max(totalSteps - warmup, 1)
            let t = Double(min(step - warmup, span)) / Double(span)
            let c = Float(0.5 * (1 + cos(Double.pi * t)))
            return base * (minFactor + (1 - minFactor) * c)
        case let .step(every, gamma):
            precondition(every > 0, "step schedule: everySteps must be positive")
            return base * pow(gamma, Float(step / every))
        }
    }
}
