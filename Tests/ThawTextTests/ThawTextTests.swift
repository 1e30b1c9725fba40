// Tests for ThawText.
