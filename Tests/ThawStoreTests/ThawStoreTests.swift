// Tests for ThawStore.
