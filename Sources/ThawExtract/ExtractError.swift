import ThawCore

/// Bad data or failed I/O during extraction: names the file, what is wrong, and how to fix it.
public typealias ExtractError = FileError
