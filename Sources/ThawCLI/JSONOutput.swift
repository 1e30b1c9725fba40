import Foundation

import ThawRuns

/// Prints an Encodable as pretty, key-sorted JSON on stdout (for `--json`); NaN and infinite
/// numbers print as null, with a warning on stderr, instead of failing with an EncodingError.
func printJSON<T: Encodable>(_ value: T) throws {
    let (data, nonFinite) = try FiniteJSON.encode(value, formatting: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    if nonFinite > 0 { FileHandle.standardError.write(Data((FiniteJSON.warning(nonFinite, in: "--json output") + "\n").utf8)) }
    print(String(decoding: data, as: UTF8.self))
}
