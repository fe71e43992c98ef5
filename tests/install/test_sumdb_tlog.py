"""The log's hashes and proofs against trees built by the test database writer (an
independent implementation checked against the real go command)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from gvw.base.errors import SumdbError
from gvw.install.sumdb import tlog
from tests.support.sumdb_fixture import Record, filler_records, make_key, write_database


def _database(directory: Path, records: list[Record]) -> tlog.Tree:
    text = write_database(directory, make_key("t.example", "k"), records)
    return tlog.parse_tree(text, source="test")


def _reader(directory: Path) -> tlog.TileReader:
    def read(level: int, index: int, width: int) -> bytes:
        return (directory / tlog.tile_path(level, index, width)).read_bytes()

    return read


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 255, 256, 257, 300, 513])
def test_every_record_is_proved_included_in_trees_of_many_sizes(tmp_path: Path, size: int) -> None:
    records = filler_records(size, "s")
    tree = _database(tmp_path, records)
    hashes = tlog.TileHashes(tree.size, _reader(tmp_path))
    assert hashes.range_hash(0, size) == tree.hash
    for index in {0, size // 2, size - 1}:
        leaf = tlog.record_hash(records[index].text.encode())
        proof = tlog.inclusion_proof(hashes, index)
        assert tlog.check_inclusion(proof, tree, index, leaf)
        assert not tlog.check_inclusion(proof, tree, index, tlog.record_hash(b"other\n"))
        if size > 1:
            assert not tlog.check_inclusion(proof, tree, (index + 1) % size, leaf)


@pytest.mark.parametrize(("old", "new"), [(1, 2), (3, 7), (4, 8), (255, 257), (256, 300), (7, 513)])
def test_a_grown_log_is_consistent_with_its_older_head(tmp_path: Path, old: int, new: int) -> None:
    records = filler_records(new, "c")
    old_tree = _database(tmp_path / "old", records[:old])
    new_tree = _database(tmp_path / "new", records)
    proof = tlog.consistency_proof(tlog.TileHashes(new, _reader(tmp_path / "new")), old)
    assert tlog.check_consistency(proof, old_tree, new_tree)


def test_a_rewritten_log_is_not_consistent_with_the_old_head(tmp_path: Path) -> None:
    old_tree = _database(tmp_path / "old", filler_records(150, "a"))
    rewritten = filler_records(149, "a") + filler_records(151, "b")
    new_tree = _database(tmp_path / "new", rewritten)
    proof = tlog.consistency_proof(tlog.TileHashes(300, _reader(tmp_path / "new")), 150)
    assert not tlog.check_consistency(proof, old_tree, new_tree)


def test_a_tile_of_the_wrong_length_is_an_error(tmp_path: Path) -> None:
    hashes = tlog.TileHashes(5, lambda level, index, width: b"\0" * 31)
    with pytest.raises(SumdbError, match="holds 31 bytes, not 160"):
        hashes.range_hash(0, 5)


def test_tile_paths_follow_gos_encoding() -> None:
    assert tlog.tile_path(0, 0, 256) == "tile/8/0/000"
    assert tlog.tile_path(0, 1, 4) == "tile/8/0/001.p/4"
    assert tlog.tile_path(1, 1234067, 256) == "tile/8/1/x001/x234/067"


def test_a_tree_head_is_parsed_or_refused() -> None:
    root = base64.b64encode(b"\1" * 32).decode()
    assert tlog.parse_tree(f"go.sum database tree\n12\n{root}\n", source="x") == tlog.Tree(
        12, b"\1" * 32
    )
    with pytest.raises(SumdbError, match="x does not hold a tree head"):
        tlog.parse_tree(f"go.sum database tree\n-1\n{root}\n", source="x")
