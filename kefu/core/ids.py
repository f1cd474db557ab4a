"""Opaque, time-ordered ids for URLs and APIs (UUIDv7, RFC 9562).

Time order keeps B-tree inserts at the right edge of the index, which matters at 100k+ rows;
the random tail (74 bits) keeps them unguessable enough for a URL that is not a secret.
"""

from __future__ import annotations

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= (rand >> 68) << 64 & (0xFFF << 64)  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b, 62 bits
    return uuid.UUID(int=value)
