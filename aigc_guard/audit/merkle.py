"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0, section 2.1), pure functions.

Leaves are the rows' `row_hash` values (32 bytes each) in seq order; leaf and node
hashes are domain-separated (0x00 and 0x01 prefixes), so a node can never pass for a
leaf. The tree over n leaves splits at the largest power of two below n; every
subtree used here is therefore a run of *perfect* subtrees (aligned, power-of-two
sized), which is what the database stores (`audit_merkle_nodes`) and what makes a
proof at a million rows a single indexed lookup of about 40 hashes.

Proof verification follows the RFC's algorithms step by step (2.1.3.2 inclusion,
2.1.4.2 consistency) and needs nothing but hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

Range = tuple[int, int]  # [start, end) in leaf indexes
Node = tuple[int, int]  # (level, idx): leaves [idx * 2**level, (idx + 1) * 2**level)


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two strictly below `size` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def perfect_nodes(start: int, end: int) -> list[Node]:
    """The perfect subtrees that make up MTH(D[start:end]), left to right."""
    if not 0 <= start < end:
        raise ValueError(f"empty or negative range [{start}, {end})")
    nodes: list[Node] = []
    while start < end:
        width = 1 << ((end - start).bit_length() - 1)
        while start % width:  # only for ranges the RFC never asks about
            width >>= 1
        nodes.append((width.bit_length() - 1, start // width))
        start += width
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """MTH of a range from the hashes of its perfect subtrees (left to right)."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose MTH form the audit path of leaf `index` (RFC 9162 PATH), leaf first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    return path[::-1]


def consistency_ranges(old: int, new: int) -> list[Range]:
    """The ranges whose MTH form the consistency proof from size `old` to `new` (SUBPROOF)."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from {old} to {new} leaves")
    proof: list[Range] = []
    start, end, complete = 0, new, True
    while True:
        size, m = end - start, old - start
        if m == size:
            if not complete:
                proof.append((start, end))
            break
        k = _split(size)
        if m <= k:
            proof.append((start + k, end))
            end = start + k
        else:
            proof.append((start, start + k))
            start, complete = start + k, False
    return proof[::-1]


def range_hashes(ranges: Iterable[Range], node: Callable[[Node], bytes]) -> list[bytes]:
    """MTH of each range, given a lookup of perfect-subtree hashes."""
    return [fold([node(n) for n in perfect_nodes(a, b)]) for a, b in ranges]


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does `path` prove leaf hash `leaf` at `index` under `root`?"""
    if index >= size or index < 0:
        return False
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and result == root


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: does `proof` show the tree of `new` leaves extends that of `old`?"""
    if old < 1 or old > new:
        return False
    if old == new:
        return not proof and old_root == new_root
    path = list(proof)
    if not path:
        return False
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first = second = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first, second = node_hash(sibling, first), node_hash(sibling, second)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            second = node_hash(second, sibling)
        fn, sn = fn >> 1, sn >> 1
    return first == old_root and second == new_root and sn == 0


class Frontier:
    """The perfect subtrees over the leaves pushed so far (a compact range from 0).

    Push leaves in order; `root()` is MTH of everything pushed, and every subtree
    completed by a push is handed to `on_node` (level, idx, hash) for storage.
    """

    def __init__(
        self,
        size: int = 0,
        nodes: Sequence[bytes] = (),
        on_node: Callable[[int, int, bytes], None] | None = None,
    ) -> None:
        levels = [level for level, _ in perfect_nodes(0, size)] if size else []
        if len(levels) != len(nodes):
            raise ValueError(f"a frontier at size {size} needs {len(levels)} hashes")
        self.size = size
        self._stack: list[tuple[int, bytes]] = list(zip(levels, nodes, strict=True))
        self._on_node = on_node

    def push(self, leaf: bytes) -> None:
        level, digest, index = 0, leaf, self.size
        if self._on_node is not None:
            self._on_node(0, index, digest)
        while self._stack and self._stack[-1][0] == level:
            digest = node_hash(self._stack.pop()[1], digest)
            level, index = level + 1, index >> 1
            if self._on_node is not None:
                self._on_node(level, index, digest)
        self._stack.append((level, digest))
        self.size += 1

    def copy(self) -> Frontier:
        """The same frontier, without the node callback."""
        return Frontier(self.size, [digest for _, digest in self._stack])

    def root(self) -> bytes:
        if not self._stack:
            return hashlib.sha256(b"").digest()  # RFC 9162: MTH({}) = HASH()
        return fold([digest for _, digest in self._stack])


__all__ = [
    "Frontier",
    "consistency_ranges",
    "fold",
    "inclusion_ranges",
    "leaf_hash",
    "node_hash",
    "perfect_nodes",
    "range_hashes",
    "verify_consistency",
    "verify_inclusion",
]
