import hashlib
import math

DIMS = 64


def _bucket(gram: str) -> tuple[int, float]:
    digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "big")
    sign = 1.0 if value & (1 << 63) else -1.0
    return value % DIMS, sign


def embed(text: str) -> list[float]:
    """Hash the character trigrams of text into DIMS buckets, L2-normalised."""
    padded = f"  {' '.join(text.lower().split())}  "
    vector = [0.0] * DIMS
    for i in range(len(padded) - 2):
        index, sign = _bucket(padded[i : i + 3])
        vector[index] += sign
    norm = math.sqrt(sum(x * x for x in vector))
    if norm == 0.0:
        return vector
    return [x / norm for x in vector]
