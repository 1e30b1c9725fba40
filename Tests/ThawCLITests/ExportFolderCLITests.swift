import Foundation
import XCTest

/// `--export` / `--export-best` name files written after training: their folder is made before training
/// starts, and a folder that cannot be made is refused before any run is spent.
final class ExportFolderCLITests: XCTestCase {
    func testExportFoldersAreMadeOrRefusedBeforeTraining() throws {
        let folder = try smallPoolCacheFolder()

        // A folder that does not exist yet is made (with its parents), and the bundle lands in it.
        let fit = try ThawBinary.run(["fit", "--cache", "c", "--tap", "pool", "--epochs", "1", "--export", "new/deeper/head.safetensors"],
                                     in: folder)
        XCTAssertEqual(fit.status, 0, fit.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/new/deeper/head.safetensors"))
        let sweep = try ThawBinary.run(["sweep", "--cache", "c", "--tap", "pool", "--epochs", "1", "--lr", "1e-2",
                                        "--export-best", "other/best.safetensors"], in: folder)
        XCTAssertEqual(sweep.status, 0, sweep.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/other/best.safetensors"))

        // A folder under a regular file cannot be made: refused before training (no run record is written).
        try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/plain"))
        let runsBefore = try FileManager.default.contentsOfDirectory(atPath: folder + "/c.runs").count
        for args in [["fit", "--cache", "c", "--tap", "pool", "--export", "plain/head.safetensors"],
                     ["sweep", "--cache", "c", "--tap", "pool", "--export-best", "plain/best.safetensors"],
                     ["finetune", "--cache", "c", "--export", "plain/model.safetensors"]] {
            let r = try ThawBinary.run(args, in: folder)
            XCTAssertNotEqual(r.status, 0, "\(args)")
            XCTAssertTrue(r.stderr.contains("cannot create the folder") && r.stderr.contains("Fix:"), r.stderr)
        }
        // A folder given as the file is named and refused.
        let asFolder = try ThawBinary.run(["fit", "--cache", "c", "--tap", "pool", "--export", "new"], in: folder)
        XCTAssertNotEqual(asFolder.status, 0)
        XCTAssertTrue(asFolder.stderr.contains("is a folder"), asFolder.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder + "/c.runs").count, runsBefore)
    }
}
