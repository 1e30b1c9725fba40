import XCTest
@testable import ThawBLAS

final class KernelChoiceTests: XCTestCase {
    private func cpu(_ vendor: String, _ flags: String) -> CPUFeatures {
        CPUFeatures(vendor: vendor, modelName: "test", flags: Set(flags.split(separator: " ").map(String.init)), logicalCores: 2)
    }

    func testUserValueAlwaysWins() {
        let c = KernelChoice.choose(cpu: cpu("GenuineIntel", "avx2 fma avx512f avx512bw avx512dq avx512vl avx512cd"),
                                    environment: ["OPENBLAS_CORETYPE": "Haswell"])
        XCTAssertEqual(c.coretype, "Haswell")
        XCTAssertEqual(c.source, .user)
    }

    func testAVX512XeonGetsSkylakeX() {
        let c = KernelChoice.choose(cpu: cpu("GenuineIntel", "sse4_2 avx avx2 fma avx512f avx512bw avx512dq avx512vl avx512cd"), environment: [:])
        XCTAssertEqual(c.coretype, "SkylakeX")
        XCTAssertEqual(c.source, .thaw)
    }

    func testPartialAVX512IsNotEnoughForSkylakeX() {
        // avx512f alone (e.g. Knights Landing) cannot run SkylakeX kernels, which need bw/dq/vl.
        let c = KernelChoice.choose(cpu: cpu("GenuineIntel", "avx2 fma avx512f avx512cd"), environment: [:])
        XCTAssertEqual(c.coretype, "Haswell")
    }

    func testAMDWithAVX2GetsZen() {
        let c = KernelChoice.choose(cpu: cpu("AuthenticAMD", "avx avx2 fma"), environment: [:])
        XCTAssertEqual(c.coretype, "Zen")
    }

    func testOldCPULeavesDetectionToOpenBLAS() {
        let c = KernelChoice.choose(cpu: cpu("GenuineIntel", "sse4_2 avx"), environment: [:])
        XCTAssertNil(c.coretype)
        XCTAssertEqual(c.source, .openblas)
    }

    func testEmptyUserValueIsIgnored() {
        let c = KernelChoice.choose(cpu: cpu("AuthenticAMD", "avx2 fma"), environment: ["OPENBLAS_CORETYPE": ""])
        XCTAssertEqual(c.source, .thaw)
    }

    func testParsesProcCpuinfo() {
        let text = """
            processor\t: 0
            vendor_id\t: AuthenticAMD
            model name\t: AMD EPYC
            flags\t\t: fpu sse avx2 fma
            processor\t: 1
            vendor_id\t: Other
            """
        let f = CPUFeatures.parse(cpuinfo: text, logicalCores: 2)
        XCTAssertEqual(f.vendor, "AuthenticAMD")
        XCTAssertEqual(f.modelName, "AMD EPYC")
        XCTAssertTrue(f.hasAVX2FMA)
        XCTAssertFalse(f.hasAVX512)
        XCTAssertFalse(f.hasAVX512BF16)
    }

    /// AVX512-BF16 (the bf16 fine-tuning GEMMs) needs avx512_bf16 and the five AVX-512 flags together.
    func testAVX512BF16NeedsTheFlagAndAVX512() {
        let avx512 = "avx512f avx512bw avx512dq avx512vl avx512cd"
        XCTAssertTrue(cpu("AuthenticAMD", avx512 + " avx512_bf16").hasAVX512BF16)
        XCTAssertFalse(cpu("AuthenticAMD", avx512).hasAVX512BF16, "no avx512_bf16")
        XCTAssertFalse(cpu("AuthenticAMD", "avx512f avx512_bf16").hasAVX512BF16, "avx512_bf16 without the rest of AVX-512")
        XCTAssertTrue(cpu("AuthenticAMD", avx512 + " avx512_bf16").simdSummary.contains("avx512_bf16"))
    }
}
