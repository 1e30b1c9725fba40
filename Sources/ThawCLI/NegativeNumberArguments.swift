import ArgumentParser

extension Thaw {
    /// Runs the command line with `--option -5` read as `--option=-5`. Left alone, the argument
    /// parser takes `-5` for a short flag and answers "Missing value for --option" instead of the
    /// option's own check ("--limit must be ≥ 1"). No Thaw argument is a negative positional number.
    static func main() {
        main(joiningNegativeNumbers(Array(CommandLine.arguments.dropFirst())))
    }

    static func joiningNegativeNumbers(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            if a.hasPrefix("--"), a.count > 2, !a.contains("="), i + 1 < arguments.count, isNegativeNumber(arguments[i + 1]) {
                out.append(a + "=" + arguments[i + 1])
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }

    /// "-5", "-0.1", "-1e-3", "-inf", also a comma list starting with one ("-1,2").
    private static func isNegativeNumber(_ s: String) -> Bool {
        guard s.hasPrefix("-"), let first = s.split(separator: ",").first else { return false }
        return Double(first) != nil
    }
}
