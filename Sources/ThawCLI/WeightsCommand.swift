import ArgumentParser

struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "Read pretrained weight files (.safetensors, PyTorch .pth/.pt in zip or legacy format).",
        subcommands: [])
}
