// Tests for ThawHeads.
