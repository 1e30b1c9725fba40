// Decode + preprocess throughput of ThawInputs, release build, on the real photos and Fashion-MNIST.
//   swift build -c release --product thaw-inputs-bench && .build/release/thaw-inputs-bench [seconds]
// Prints images/s with 1 and 2 workers (alternating runs, as the machine is shared) and their ratio.
//   .build/release/thaw-inputs-bench --folder DIR [COUNT]
// measures only the CPU cost of decode + preprocess (EfficientNet-Lite 256/224) on the first COUNT
// (default 1,000; they are held decoded) images of a class-per-folder DIR, spread over its classes — the decode share of an
// extraction (scripts/scale/run_100k.sh).
import Foundation
import ThawInputs

let arguments = Array(CommandLine.arguments.dropFirst())
let seconds = Double(arguments.first ?? "") ?? 4
let photos = "/usr/local/share/thaw/photos"

/// Repeats a small source's samples so a run lasts long enough to time.
struct Repeated: ImageSource {
    let base: any ImageSource
    let samples: [Sample]
    var labelNames: [String] { base.labelNames }
    init(_ base: any ImageSource, count: Int) {
        self.base = base
        samples = (0..<count).map { i in var s = base.samples[i % base.samples.count]; s.index = i; return s }
    }
    func loadImage(_ sample: Sample, decoder: ImageDecoder) throws -> RGBImage {
        try base.loadImage(base.samples[sample.index % base.samples.count], decoder: decoder)
    }
    func fingerprint() throws -> String { try base.fingerprint() }
}

func rate(_ source: any ImageSource, _ preset: Preprocessing, workers: Int) throws -> Double {
    let start = Date()
    let pipeline = DecodePipeline(source: source, preprocessing: preset, batchSize: 16, depth: 4, workers: workers)
    var n = 0
    while let batch = try pipeline.next() { n += batch.samples.count }
    return Double(n) / Date().timeIntervalSince(start)
}

/// Process CPU time (user + system) in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// CPU milliseconds per image for decoding alone and for preprocessing alone (one thread):
/// robust to a shared machine, where wall-clock rates depend on everyone else's load.
func stages(_ source: any ImageSource, _ preset: Preprocessing, count: Int) throws -> (decode: Double, preprocess: Double) {
    let decoder = ImageDecoder(), pre = Preprocessor(preset)
    var images: [RGBImage] = []
    var t = cpuSeconds()
    for s in source.samples.prefix(count) { images.append(try source.loadImage(s, decoder: decoder)) }
    let decode = (cpuSeconds() - t) * 1000 / Double(images.count)
    var out = [Float](repeating: 0, count: preset.outputCount)
    t = cpuSeconds()
    for image in images { out.withUnsafeMutableBufferPointer { pre.apply(image, into: $0.baseAddress!) } }
    return (decode, (cpuSeconds() - t) * 1000 / Double(images.count))
}

func measure(_ name: String, _ source: any ImageSource, _ preset: Preprocessing) throws {
    let cost = try stages(source, preset, count: 64)
    print(String(format: "%@\n  CPU per image: decode %.2f ms + preprocess %.2f ms → %.0f img/s per core, ~%.0f img/s on 2 idle cores",
                 name, cost.decode, cost.preprocess, 1000 / (cost.decode + cost.preprocess), 2000 / (cost.decode + cost.preprocess)))
    var one: [Double] = [], two: [Double] = []
    for _ in 0..<3 {   // alternate to share the machine's drift
        one.append(try rate(source, preset, workers: 1))
        two.append(try rate(source, preset, workers: 2))
    }
    let b1 = one.max()!, b2 = two.max()!
    print(String(format: "  wall clock (shared machine, load %@): 1 worker %.0f img/s, 2 workers %.0f img/s (×%.2f)", loadAverage(), b1, b2, b2 / b1))
}

func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").first.map(String.init) ?? "?"
}

/// Decode + preprocess CPU cost on a user folder; samples are taken evenly over the whole listing.
struct Spread: ImageSource {
    let base: any ImageSource
    let samples: [Sample]
    var labelNames: [String] { base.labelNames }
    init(_ base: any ImageSource, count: Int) {
        self.base = base
        let n = min(count, base.samples.count), step = base.samples.count / max(n, 1)
        samples = (0..<n).map { base.samples[$0 * step] }
    }
    func loadImage(_ sample: Sample, decoder: ImageDecoder) throws -> RGBImage { try base.loadImage(sample, decoder: decoder) }
    func fingerprint() throws -> String { try base.fingerprint() }
}

if arguments.first == "--folder" {
    guard arguments.count >= 2 else { fatalError("usage: thaw-inputs-bench --folder DIR [COUNT]") }
    let source = try ImageFolderSource(root: arguments[1])
    let count = arguments.count > 2 ? Int(arguments[2]) ?? 1000 : 1000
    let cost = try stages(Spread(source, count: count), .efficientNetLite, count: count)
    print(String(format: "%@ (%d of %d images) → efficientnet-lite 256/224: CPU per image decode %.2f ms + preprocess %.2f ms = %.2f ms (load %@)",
                 arguments[1], min(count, source.samples.count), source.samples.count, cost.decode, cost.preprocess,
                 cost.decode + cost.preprocess, loadAverage()))
    exit(0)
}

let folder = NSTemporaryDirectory() + "thaw-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: folder + "/photos/x", withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: folder) }
for f in ["dog.jpg", "eagle.jpg", "horses.jpg"] {
    try FileManager.default.copyItem(atPath: "\(photos)/\(f)", toPath: "\(folder)/photos/x/\(f)")
}
let jpegs = try ImageFolderSource(root: folder + "/photos")
let probe = try rate(Repeated(jpegs, count: 48), .imagenet, workers: 2)
try measure("real JPEG photos (dog 768x576, eagle 773x512, horses 773x512) → imagenet 256/224",
            Repeated(jpegs, count: max(64, Int(probe * seconds / 3))), .imagenet)
let fashion = try IDXSource.fashionMNIST()
let fashionSubset = Repeated(fashion, count: 4000)
try measure("Fashion-MNIST 28x28 → imagenet 224/224", fashionSubset, .imagenet(resize: 224, crop: 224))
