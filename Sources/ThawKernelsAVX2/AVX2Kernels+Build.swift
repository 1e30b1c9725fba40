import ThawKernelBuild

/// The AVX2+FMA build of the packed kernels (`VectorISA.packedBuild` on CPUs with AVX2 and FMA but no AVX-512).
extension AVX2Kernels: PackedKernelBuild {}
