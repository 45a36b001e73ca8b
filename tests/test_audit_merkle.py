"""RFC 9162 Merkle tree: roots, inclusion and consistency proofs against a direct
recursive implementation of the RFC's definitions, and proofs that must fail."""

from __future__ import annotations

import hashlib

import pytest

from aigc_guard.audit.merkle import (
    Frontier,
    consistency_ranges,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    range_hashes,
    verify_consistency,
    verify_inclusion,
)


def _mth(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 9162 section 2.1.1 defines it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _tree(n: int) -> tuple[list[bytes], dict[tuple[int, int], bytes], Frontier]:
    leaves = [hashlib.sha256(str(i).encode()).digest() for i in range(n)]
    nodes: dict[tuple[int, int], bytes] = {}
    frontier = Frontier(on_node=lambda level, idx, h: nodes.__setitem__((level, idx), h))
    for leaf in leaves:
        frontier.push(leaf_hash(leaf))
    return leaves, nodes, frontier


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 8, 13, 33])
def test_roots_and_proofs_match_the_rfc(n: int) -> None:
    leaves, nodes, frontier = _tree(n)
    root = _mth(leaves)
    assert frontier.root() == root
    for index in range(n):
        path = range_hashes(inclusion_ranges(index, n), nodes.__getitem__)
        assert verify_inclusion(index, n, leaf_hash(leaves[index]), path, root)
        assert not verify_inclusion(index, n, leaf_hash(b"other"), path, root)
        assert n == 1 or not verify_inclusion(
            (index + 1) % n, n, leaf_hash(leaves[index]), path, root
        )
    for old in range(1, n + 1):
        proof = range_hashes(consistency_ranges(old, n), nodes.__getitem__)
        assert verify_consistency(old, n, _mth(leaves[:old]), root, proof)
        forked = _mth([*leaves[: old - 1], b"forged"])
        assert old == n or not verify_consistency(old, n, forked, root, proof)


def test_leaves_and_nodes_are_domain_separated() -> None:
    """A node's hash can never pass for a leaf's (0x00 / 0x01 prefixes)."""
    left, right = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(left, right) != leaf_hash(left + right)
    _, nodes, _ = _tree(4)
    path = range_hashes(inclusion_ranges(0, 4), nodes.__getitem__)
    root = _mth([hashlib.sha256(str(i).encode()).digest() for i in range(4)])
    # the children of an inner node, presented as one leaf's data, do not hash to it
    assert verify_inclusion(0, 2, nodes[(1, 0)], path[1:], root)  # the node itself: by design
    forged_leaf = leaf_hash(nodes[(0, 0)] + nodes[(0, 1)])
    assert not verify_inclusion(0, 2, forged_leaf, path[1:], root)


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        inclusion_ranges(5, 5)
    with pytest.raises(ValueError):
        consistency_ranges(0, 3)
    assert not verify_inclusion(3, 3, b"x" * 32, [], b"y" * 32)
    assert not verify_consistency(4, 3, b"", b"", [])
    assert not verify_consistency(2, 4, b"a" * 32, b"b" * 32, [])
