// ThawStore: see Package.swift for its place in the module graph.
