import Foundation
import ThawKernels

/// `--profile --tile-trace`: every window tile's thread and times (`ConvTiles.windowTileTrace`) collected during the
/// profile, then per layer shape (rows × Cout × K) over its regions (one region = one layer call's tiles): the median
/// region wall (first tile claimed → last tile done, from the caller's start), the median cores busy (tile time summed
/// over threads / region wall: 2.0 on two cores = no idle core), the share of regions whose tiles all ran on one
/// thread, and the median tail (region end − the earliest thread's last tile end: how long one core waited for the other).
final class TileTraceRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [WindowTileEvent] = []

    func install() {
        ConvTiles.windowTileTrace = { [self] e in lock.lock(); events.append(e); lock.unlock() }
    }

    func report() {
        ConvTiles.windowTileTrace = nil
        func median(_ v: [Double]) -> Double { v.isEmpty ? .nan : v.sorted()[v.count / 2] }
        let byLayer = Dictionary(grouping: events) { "\($0.rows)x\($0.columns)xK\($0.k)" }
        print("# tile trace: layer rows x Cout x K | regions | tiles | region wall ms | cores busy | one-thread regions | tail ms (medians)")
        for (layer, list) in byLayer.sorted(by: { $0.key < $1.key }) {
            let regions = Dictionary(grouping: list, by: \.regionStart).values
            var walls: [Double] = [], busy: [Double] = [], tails: [Double] = []
            var single = 0
            for region in regions {
                let end = region.map(\.end).max()!, start = region[0].regionStart
                let wall = Double(end - start) / 1e6
                let threads = Dictionary(grouping: region, by: \.thread)
                if threads.count == 1 { single += 1 }
                let work = region.reduce(0.0) { $0 + Double($1.end - $1.start) / 1e6 }
                let firstDone = threads.values.map { $0.map(\.end).max()! }.min()!
                walls.append(wall); busy.append(work / wall); tails.append(Double(end - firstDone) / 1e6)
            }
            print(String(format: "%-22@ %4d %3d %8.3f %5.2f %5.1f%% %8.3f", layer as NSString, regions.count, list.count / max(1, regions.count),
                         median(walls), median(busy), 100 * Double(single) / Double(regions.count), median(tails)))
        }
    }
}
