// Tests for ThawInputs.
