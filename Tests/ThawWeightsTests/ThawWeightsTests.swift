// Tests for ThawWeights.
