// Tests for ThawKernels.
