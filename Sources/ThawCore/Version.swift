/// Thaw's version: `thaw --version`, and the tool version in cache manifests and run records.
public let thawVersion = "0.1.0"
