"""The frequency attack on keyed bigram sets, and where the warehouse keeps none.

    python -m insight_hub.linkage.token_set_attack [--warehouse W] [--records 20000]

Keyed bigram sets (the Bloom-filter encodings of privacy-preserving record
linkage) hide each letter pair behind a token, but not how often it occurs.
An attacker holding a table of such sets and a public table of name
frequencies, but not the key, ranks the tokens by how many records hold them,
lines them up with the letter pairs ranked by the same count in the public
table, reads each record's set back as letter pairs, and looks the set up
among the public names. That is the simplest of the published frequency
attacks on Bloom-filter encodings; the stronger ones (pattern mining, graph
matching) read back more, which is why no set is stored at all.

`simulate_attack` measures that on a borough-like population drawn from the
generator's name pools (the attacker is given those pools' exact frequencies,
the best case for them): how many records, and how many distinct names, it
reads back from persisted forename bigram sets, against the same attack on a
whole-forename token. `persisted_token_sets` lists the columns of a built
warehouse's tables that hold a list of tokens per record, the only place the
attack could start from: the linkage's sets are a view
(int_person_records__token_sets) and never stored.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import secrets
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from insight_hub.borough.names import POOLS
from insight_hub.summary import default_warehouse

# Lists a table may hold per row: each element identifies a whole value (one
# per contact identifier) or a whole person (the person keys of a household in
# household_composition_history), so a frequency attack on them is the one on
# any whole-value token or key, and no letter pair is exposed.
WHOLE_VALUE_TOKEN_LISTS = frozenset({"contact_identifier_tokens", "person_keys"})


def bigrams(name: str) -> frozenset[str]:
    """The letter pairs of a name padded with a space each end, as staging's bigrams macro."""
    padded = f" {name} "
    return frozenset(padded[i : i + 2] for i in range(len(padded) - 1))


def public_forename_frequencies() -> dict[str, float]:
    """Forename -> share of people, from the generator's pools with their Zipf
    weights: the public name table the attacker is given."""
    weights: defaultdict[str, float] = defaultdict(float)
    for pool in POOLS.values():
        for names in (pool.male, pool.female):
            for rank, name in enumerate(names, start=1):
                weights[name.upper()] += 1.0 / rank
    total = sum(weights.values())
    return {name: weight / total for name, weight in weights.items()}


@dataclass(frozen=True)
class AttackResult:
    records: int
    records_recovered_from_bigram_sets: int
    names_recovered_from_bigram_sets: int
    records_recovered_from_name_tokens: int
    names_recovered_from_name_tokens: int
    distinct_names: int

    def lines(self) -> list[str]:
        share = self.records_recovered_from_bigram_sets / self.records
        whole = self.records_recovered_from_name_tokens / self.records
        return [
            f"{self.records:,} records, {self.distinct_names:,} distinct forenames, attacked without the key:",
            f"- persisted forename bigram sets: {self.records_recovered_from_bigram_sets:,} records ({share:.1%}) "
            f"and {self.names_recovered_from_bigram_sets:,} names read back",
            f"- a whole-forename token: {self.records_recovered_from_name_tokens:,} records ({whole:.1%}) "
            f"and {self.names_recovered_from_name_tokens:,} names read back",
        ]


def _token(key: bytes, domain: str, value: str) -> str:
    return hmac.new(key, f"{domain}\x1f{value}".encode(), hashlib.sha256).hexdigest()


def _by_rank(observed: Counter[str], expected: dict[str, float]) -> dict[str, str]:
    """Each observed token mapped to the expected value of the same frequency rank."""
    tokens = [token for token, _ in observed.most_common()]
    values = sorted(expected, key=lambda value: -expected[value])
    return dict(zip(tokens, values, strict=False))


def simulate_attack(records: int = 20_000, seed: int = 7) -> AttackResult:
    """Draw `records` forenames by the public frequencies, tokenise them with a
    fresh random key as a persisted table would hold them (a bigram set and a
    whole-name token per record), and attack both with rank alignment."""
    frequencies = public_forename_frequencies()
    names = list(frequencies)
    drawn = np.random.default_rng(seed).choice(len(names), size=records, p=list(frequencies.values()))
    population = [names[i] for i in drawn]
    key = secrets.token_bytes(32)  # the attacker never sees it

    # what a persisted table would hold
    bigram_sets = [frozenset(_token(key, "forename_bigram", pair) for pair in bigrams(n)) for n in population]
    name_tokens = [_token(key, "forename", n) for n in population]

    # the attacker's expectation: each letter pair's share of records, from the public table
    expected_pairs: defaultdict[str, float] = defaultdict(float)
    for name, share in frequencies.items():
        for pair in bigrams(name):
            expected_pairs[pair] += share
    pair_of = _by_rank(Counter(token for s in bigram_sets for token in s), dict(expected_pairs))
    name_by_pairs = {bigrams(name): name for name in sorted(names, key=lambda n: frequencies[n])}
    from_sets = [name_by_pairs.get(frozenset(pair_of[t] for t in s)) for s in bigram_sets]
    name_of = _by_rank(Counter(name_tokens), frequencies)
    from_tokens = [name_of[t] for t in name_tokens]

    right_sets = {n for n, guess in zip(population, from_sets, strict=True) if guess == n}
    right_tokens = {n for n, guess in zip(population, from_tokens, strict=True) if guess == n}
    return AttackResult(
        records=records,
        records_recovered_from_bigram_sets=sum(g == n for n, g in zip(population, from_sets, strict=True)),
        names_recovered_from_bigram_sets=len(right_sets),
        records_recovered_from_name_tokens=sum(g == n for n, g in zip(population, from_tokens, strict=True)),
        names_recovered_from_name_tokens=len(right_tokens),
        distinct_names=len(set(population)),
    )


def persisted_token_sets(warehouse: Path) -> list[str]:
    """schema.table.column of every stored table column holding a list of
    tokens per row, apart from whole-value identifiers (WHOLE_VALUE_TOKEN_LISTS)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("""
            select columns.schema_name, columns.table_name, columns.column_name
            from duckdb_columns() as columns
            inner join duckdb_tables() as tables
                on columns.database_name = tables.database_name
                and columns.schema_name = tables.schema_name
                and columns.table_name = tables.table_name
            where columns.data_type like '%[]' and columns.database_name = current_database()
            order by 1, 2, 3
        """).fetchall()
    finally:
        con.close()
    return [f"{schema}.{table}.{column}" for schema, table, column in rows if column not in WHOLE_VALUE_TOKEN_LISTS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, default=default_warehouse())
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args(argv)
    print("\n".join(simulate_attack(args.records).lines()))
    stored = persisted_token_sets(args.warehouse)
    if stored:
        print(f"{args.warehouse} stores token lists per record, open to this attack: {', '.join(stored)}")
        return 1
    print(f"{args.warehouse} stores no token set per record: the attack has nothing to start from")
    return 0


if __name__ == "__main__":
    sys.exit(main())
