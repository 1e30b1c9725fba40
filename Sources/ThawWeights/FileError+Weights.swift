import ThawCore

extension FileError {
    /// The usual fix for a damaged or cut-off weight file.
    static let redownload = "The file is damaged or truncated: download or export it again."

    static func truncated(_ file: String, _ what: String) -> FileError {
        FileError(file: file, problem: "file ends inside \(what)", fix: redownload)
    }
}
