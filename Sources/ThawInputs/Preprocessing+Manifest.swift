import Foundation

extension Preprocessing {
    /// The image preset a cache manifest's `preprocessing` text records: the preset's JSON itself, or,
    /// for caches with augmented views, `{"augmentation": …, "preset": {…}}`. Nil for anything else
    /// (a text cache's tokenizer settings, damaged text).
    public init?(manifestText text: String) {
        let bytes = Data(text.utf8)
        if let p = try? JSONDecoder().decode(Preprocessing.self, from: bytes) { self = p; return }
        struct Wrapped: Decodable { var preset: Preprocessing }
        guard let w = try? JSONDecoder().decode(Wrapped.self, from: bytes) else { return nil }
        self = w.preset
    }
}
