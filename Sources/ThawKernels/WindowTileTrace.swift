/// One window tile as it ran (`ConvTiles.windowTileTrace`, benchmarks only): which layer shape, which parallel region,
/// which thread, when. Times are `DispatchTime` nanoseconds.
public struct WindowTileEvent: Sendable {
    /// The layer's GEMM: rows (output pixels of the chunk), columns (Cout), K.
    public let rows: Int, columns: Int, k: Int
    /// When the region of tiles was started by the calling thread (all its tiles share it).
    public let regionStart: UInt64
    public let tile: Int, thread: UInt
    public let start: UInt64, end: UInt64
}
