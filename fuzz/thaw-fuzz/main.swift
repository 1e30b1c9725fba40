// thaw-fuzz: mutation fuzzing of Thaw's readers without libFuzzer, one class of input at a time, every
// input a seeded mutation of a real file (fuzz/README.md). A driver runs workers (this same binary)
// in batches; a worker that dies of a signal or reports a broken invariant is a crash: the driver
// names the input (class, number, seed: reproducible) and goes on after it.
//   thaw-fuzz run [--count N] [--first F] [--seed S] [--batch B] [CLASS ...]   classes: see FuzzClasses.all
//   thaw-fuzz one CLASS NUMBER [--seed S]                            rerun one input in this process
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String, _ fallback: Int) -> Int {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let v = Int(arguments[i + 1]) else { return fallback }
    return v
}
func positional(after start: Int) -> [String] {
    var out: [String] = [], i = start
    while i < arguments.count {
        if arguments[i].hasPrefix("--") { i += 2 } else { out.append(arguments[i]); i += 1 }
    }
    return out
}

switch arguments.first {
case "run":
    let names = positional(after: 1)
    let classes = names.isEmpty ? FuzzClasses.all : names
    let driver = FuzzDriver(first: option("--first", 0), count: option("--count", 10_000), seed: UInt64(option("--seed", 1)), batch: option("--batch", 25_000))
    exit(driver.run(classes) ? 0 : 1)
case "worker":
    // worker CLASS FIRST COUNT SEED SCRATCH PROGRESS-FILE
    let a = Array(arguments.dropFirst())
    guard a.count == 6, let first = Int(a[1]), let count = Int(a[2]), let seed = UInt64(a[3]) else {
        FileHandle.standardError.write(Data("usage: thaw-fuzz worker CLASS FIRST COUNT SEED SCRATCH PROGRESS\n".utf8)); exit(2)
    }
    exit(FuzzWorker.run(a[0], first: first, count: count, seed: seed, scratch: a[4], progress: a[5]))
case "one":
    let a = positional(after: 1)
    guard a.count == 2, let n = Int(a[1]) else { FileHandle.standardError.write(Data("usage: thaw-fuzz one CLASS NUMBER [--seed S]\n".utf8)); exit(2) }
    let scratch = NSTemporaryDirectory() + "thaw-fuzz-one-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    exit(FuzzWorker.run(a[0], first: n, count: 1, seed: UInt64(option("--seed", 1)), scratch: scratch, progress: scratch + "/progress", verbose: true))
default:
    print("""
        usage: thaw-fuzz run [--count N] [--first F] [--seed S] [--batch B] [CLASS ...]
               thaw-fuzz one CLASS NUMBER [--seed S]
        classes: \(FuzzClasses.all.joined(separator: " "))
        """)
    exit(arguments.isEmpty ? 0 : 2)
}
