"""CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF.

Pure Python runs at a few MB/s, so `crc32c_rows` checks many equal-length byte strings at once with
numpy: one table step per byte *position*, vectorised over rows. Long rows (a text tap of 196 KB)
are cut into segments that run side by side and are joined with the linearity of the CRC:

    raw(A‖B) = shift(raw(A), |B|) ⊕ raw(B)        raw = table CRC with initial value 0, no final xor
    crc(M)   = shift(0xFFFFFFFF, |M|) ⊕ raw(M) ⊕ 0xFFFFFFFF
    raw(0…0‖M) = raw(M)                           (leading zero bytes leave raw unchanged)

`shift(c, n)` (running n zero bytes through the register) is a 32×32 matrix over GF(2), kept as the
images of the 32 basis bits, for n = 2^k bytes.
"""
import numpy as np

POLYNOMIAL = 0x82F63B78
TARGET_ROWS = 4096    # rows per vectorised step: enough to hide numpy's per-call cost, few enough to stay in cache
MIN_SEGMENT = 64      # bytes: shorter segments cost more in joining than they save


def _table():
    table = np.zeros(256, dtype=np.uint32)
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ POLYNOMIAL if c & 1 else c >> 1
        table[b] = c
    return table


TABLE = _table()                                  # [256] uint32
BITS = np.arange(32, dtype=np.uint32)


def _raw(rows, crc):
    """Table CRC of each row of uint8 [R, L], starting from `crc` [R], no final xor."""
    columns = np.ascontiguousarray(rows.T)      # [L, R]: each step reads one contiguous column
    crc = np.array(crc, dtype=np.uint32)
    index, looked_up = np.empty_like(crc), np.empty_like(crc)
    for column in columns:                       # L steps, each over all R rows, without allocating
        np.bitwise_xor(crc, column, out=index)
        np.bitwise_and(index, 0xFF, out=index)
        np.take(TABLE, index, out=looked_up)
        np.right_shift(crc, 8, out=crc)
        np.bitwise_xor(crc, looked_up, out=crc)
    return crc


def _apply(operator, v):
    """GF(2) matrix `operator` ([32] images of the basis bits) times each uint32 of `v`."""
    selected = np.where(((v[..., None] >> BITS) & 1).astype(bool), operator, np.uint32(0))
    return np.bitwise_xor.reduce(selected, axis=-1).astype(np.uint32)


def _shift_powers():
    """Operators for 2^k zero bytes, k = 0…63."""
    one_byte = _raw(np.zeros((32, 1), dtype=np.uint8), np.uint32(1) << BITS)
    powers = [one_byte]
    for _ in range(63):
        powers.append(_apply(powers[-1], powers[-1]))   # compose with itself: 2^(k+1) bytes
    return powers


SHIFT = _shift_powers()


def _shift_operator(n):
    """The operator of n zero bytes (composed from the powers of two)."""
    operator, k = np.uint32(1) << BITS, 0      # identity
    while n:
        if n & 1:
            operator = _apply(SHIFT[k], operator)
        n >>= 1
        k += 1
    return operator


def crc32c(data):
    """CRC-32C of one bytes-like object: crc32c(b"123456789") == 0xE3069283."""
    return int(crc32c_rows(np.frombuffer(bytes(data), dtype=np.uint8)[None, :])[0])


def crc32c_rows(rows):
    """CRC-32C of each row of a uint8 array [R, L] → uint32 [R]."""
    rows = np.asarray(rows, dtype=np.uint8)
    count, length = rows.shape
    segments = max(1, min(-(-TARGET_ROWS // max(count, 1)), length // MIN_SEGMENT))
    if segments == 1:
        raw = _raw(rows, np.zeros(count, dtype=np.uint32))
    else:                                        # left-pad with zeros to whole segments, CRC them side by side
        size = -(-length // segments)
        padded = np.zeros((count, segments * size), dtype=np.uint8)
        padded[:, segments * size - length:] = rows
        parts = _raw(padded.reshape(count * segments, size), np.zeros(count * segments, dtype=np.uint32))
        parts = parts.reshape(count, segments)
        join = _shift_operator(size)
        raw = parts[:, 0]
        for s in range(1, segments):
            raw = _apply(join, raw) ^ parts[:, s]
    start = _apply(_shift_operator(length), np.array([0xFFFFFFFF], dtype=np.uint32))[0]
    return raw ^ start ^ np.uint32(0xFFFFFFFF)
