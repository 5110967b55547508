"""The ledger of ids an import wrote, used to spot duplicate keys across batches."""

from __future__ import annotations

from maitre.imports.kinds import Ledger


def test_remembers_ids_and_their_first_line() -> None:
    ledger = Ledger()
    ledger.add(5, 2)
    ledger.add(1_000, 3)
    ledger.add(5, 9)
    ledger.add(2**40, 4)
    assert 5 in ledger and 1_000 in ledger and 2**40 in ledger
    assert 6 not in ledger and 2**41 not in ledger and "5" not in ledger
    assert ledger.lines_of([5, 1_000, 2**40, 7]) == {5: 2, 1_000: 3, 2**40: 4}
    assert Ledger().lines_of([1]) == {}
