"""The vectorised CRC-32C against the check value and a byte-at-a-time reference, across the lengths and
row counts where it switches between one pass per byte position and segments joined by linearity."""
import numpy as np
import pytest

from thaw._crc32c import POLYNOMIAL, crc32c, crc32c_rows


def reference(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ POLYNOMIAL if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def test_check_value():
    assert crc32c(b"123456789") == 0xE3069283 == reference(b"123456789")
    assert crc32c(b"") == 0


@pytest.mark.parametrize("rows, length", [(1, 1), (1, 63), (1, 64), (1, 65), (1, 4099), (3, 200), (7, 1000),
                                          (40, 2600), (300, 129), (2, 0), (33000, 3)])
def test_rows_match_the_reference(rows, length):
    data = np.random.default_rng(rows * 7919 + length).integers(0, 256, (rows, length), dtype=np.uint8)
    got = crc32c_rows(data)
    check = range(rows) if rows <= 300 else range(0, rows, 997)
    assert [int(got[i]) for i in check] == [reference(bytes(data[i])) for i in check]
