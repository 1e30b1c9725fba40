import ThawKernelBuild

/// The AVX-512 build of the packed kernels (`VectorISA.packedBuild` on CPUs with AVX-512 F/BW/DQ/VL/CD).
extension AVX512Kernels: PackedKernelBuild {}
