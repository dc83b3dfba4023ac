"""Keyed pseudonymisation: the one Python definition of the Hub's tokens.

A token is HMAC-SHA256 (RFC 2104) of a normalised identifier, keyed per
commission and domain-separated by identifier type:

    commission key  K_c   = HMAC(master key, "insight-hub/commission-key/v1/" + commission_id)
    token(d, value)       = hex(HMAC(K_c, d + "\\x1f" + value))

so tokens from two commissions never join, and the NHS-number token of a
string never equals its surname token. The warehouse computes the same
function through two SQL functions this module makes (``token_functions``)
and the dbt plugin ``insight_hub.dbt_plugins.pseudonymisation`` registers on
every DuckDB connection dbt opens:

    insight_hub_token(commission_id, domain, value)     -> varchar
    insight_hub_tokens(commission_id, domain, values[]) -> varchar[]

The commission keys live only inside those functions (Python closures): SQL
can call them, but no variable, setting, function description or file holds a
key, so no SQL can read one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from duckdb.func import FunctionNullHandling, PythonUDFType

MASTER_KEY_ENV = "DBT_ENV_SECRET_INSIGHT_HUB_MASTER_KEY"
# Published on purpose: anyone can recompute demo tokens, which is why only the
# demo and test targets accept it.
DEMO_MASTER_KEY = "insight-hub-demo-key/NOT-SECRET/never-use-with-real-data"
# A production key is the hex, base64 or base64url text of at least this many
# random bytes; the key's text (its UTF-8 bytes) is what keys the HMAC.
MIN_MASTER_KEY_BYTES = 32
MAKE_A_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
DOMAIN_SEPARATOR = "\x1f"
DOMAIN_PATTERN = re.compile(r"[a-z][a-z_]*")
TOKEN_FUNCTION = "insight_hub_token"
TOKENS_FUNCTION = "insight_hub_tokens"
# Tokens remembered across Arrow batches per commission and domain (names,
# dates and postcodes repeat): about 200 bytes each, ~6 MB per domain at most.
TOKEN_CACHE_SIZE = 2**15
_COMMISSION_KEY_LABEL = "insight-hub/commission-key/v1/"
_BLOCK_SIZE = 64  # SHA-256 block size in bytes (RFC 2104's B)
# Fewer distinct byte values than this in 32 or more bytes is a pattern, not
# randomness (32 random bytes have about 30; fewer than 16 has probability
# below 1e-14, and so has every byte being printable ASCII).
_MIN_DISTINCT_KEY_BYTES = 16


class MasterKeyError(RuntimeError):
    """The master key is missing or unusable for this target."""


def key_weakness(value: str) -> str | None:
    """Why a master key's text is not a production key, or None when it is.

    A production key is the hex, base64 or base64url encoding (padding
    optional) of at least 32 random bytes, as `secrets.token_urlsafe(32)` or
    `openssl rand -base64 32` print; not the demo key, and not text or a
    repeated pattern dressed up in one of those encodings.
    """
    if value.strip() == DEMO_MASTER_KEY:
        return "is the published demo key, which anyone can use to reverse tokens"
    if re.fullmatch(r"(?:[0-9a-fA-F]{2})+", value):
        decoded = bytes.fromhex(value)
    elif re.fullmatch(r"[A-Za-z0-9_+/-]+={0,2}", value):
        unpadded = value.rstrip("=").translate(str.maketrans("+/", "-_"))
        try:
            decoded = base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
        except binascii.Error:
            return "is not valid base64"
    else:
        return "is not the hex, base64 or base64url text of random bytes"
    if len(decoded) < MIN_MASTER_KEY_BYTES:
        return f"decodes to {len(decoded)} bytes, fewer than {MIN_MASTER_KEY_BYTES}"
    if len(set(decoded)) < _MIN_DISTINCT_KEY_BYTES or all(32 <= byte < 127 for byte in decoded):
        return "decodes to repeated or readable bytes, not random ones"
    return None


def resolve_master_key(allow_demo_key: bool) -> tuple[bytes, str | None]:
    """Return (master key, warning) and take the key out of os.environ.

    Without a key, the demo and test targets (allow_demo_key) get the published
    demo key; production raises MasterKeyError. A key that is not a production
    key (key_weakness) raises in production and comes back with the reason as
    a warning elsewhere, because demo and test hold only synthetic data.
    """
    value = os.environ.pop(MASTER_KEY_ENV, "")
    if not value:
        if allow_demo_key:
            return DEMO_MASTER_KEY.encode(), f"{MASTER_KEY_ENV} is not set: using the published demo key"
        raise MasterKeyError(
            f"{MASTER_KEY_ENV} is not set: this target pseudonymises real data and has no demo key; "
            f"export the commission master key from the Hub's secret store (make one with {MAKE_A_KEY})."
        )
    weakness = key_weakness(value)
    if weakness is None:
        return value.encode(), None
    message = (
        f"{MASTER_KEY_ENV} {weakness}: a production key is at least {MIN_MASTER_KEY_BYTES} random bytes "
        f"in hex or base64url; make one with {MAKE_A_KEY}"
    )
    if not allow_demo_key:
        raise MasterKeyError(message + ".")
    return value.encode(), message


def commission_key(master_key: bytes, commission_id: str) -> bytes:
    """Derive the key of one commission from the master key."""
    return hmac.new(master_key, (_COMMISSION_KEY_LABEL + commission_id).encode(), hashlib.sha256).digest()


def token(key: bytes, domain: str, value: str) -> str:
    """The token of a normalised value in a domain, as the warehouse computes it."""
    return hmac.new(key, (domain + DOMAIN_SEPARATOR + value).encode(), hashlib.sha256).hexdigest()


class HmacStates(NamedTuple):
    """SHA-256 states of RFC 2104 HMAC under one key: the inner one already
    past the padded key block and a message prefix, the outer one past its
    padded key block. Copying them costs about half as much per message as
    copying an hmac object."""

    inner: Any
    outer: Any


def hmac_sha256_states(key: bytes, prefix: bytes = b"") -> HmacStates:
    """The HMAC-SHA256 states of `key`, for messages that start with `prefix`."""
    if len(key) > _BLOCK_SIZE:  # RFC 2104: keys longer than a block are hashed first
        key = hashlib.sha256(key).digest()
    block = key.ljust(_BLOCK_SIZE, b"\x00")
    return HmacStates(
        hashlib.sha256(bytes(byte ^ 0x36 for byte in block) + prefix),
        hashlib.sha256(bytes(byte ^ 0x5C for byte in block)),
    )


def hmac_sha256_hex(states: HmacStates, rest: bytes) -> str:
    """Lower-case hex HMAC-SHA256 of the states' prefix followed by `rest`."""
    inner, outer = states.inner.copy(), states.outer.copy()
    inner.update(rest)
    outer.update(inner.digest())
    return outer.hexdigest()


ArrowFunction = Callable[[pa.ChunkedArray, pa.ChunkedArray, pa.ChunkedArray], pa.Array]


def token_functions(master_key: bytes, commissions: Iterable[str]) -> tuple[ArrowFunction, ArrowFunction]:
    """The Arrow functions behind insight_hub_token and insight_hub_tokens.

    Both take Arrow arrays of commission ids, domains and values (lists of
    values), and return the token (list of tokens) of each row: `token()` with
    the commission's key, NULL for a NULL value. The keys exist only in these
    closures. A batch computes one HMAC per distinct value of each commission
    and domain, unless one of the last TOKEN_CACHE_SIZE computed for them
    already holds it. An unknown commission, or a domain that is not
    lower_snake_case, raises ValueError.
    """
    keys = {commission: commission_key(master_key, commission) for commission in commissions}
    keyed: dict[tuple[str, str], tuple[HmacStates, dict[str, str]]] = {}

    def keyed_tokens(commission: str, domain: str, value: pa.Array) -> pa.Array:
        if (commission, domain) not in keyed:
            keyed[commission, domain] = (
                hmac_sha256_states(keys[commission], (domain + DOMAIN_SEPARATOR).encode()),
                {},
            )
        states, cache = keyed[commission, domain]
        encoded = value.dictionary_encode()
        distinct = []
        for each in encoded.dictionary.to_pylist():  # once per distinct value
            known = cache.get(each)
            if known is None:
                known = hmac_sha256_hex(states, each.encode())
                if len(cache) >= TOKEN_CACHE_SIZE:
                    cache.clear()
                cache[each] = known
            distinct.append(known)
        return pa.array(distinct, pa.string()).take(encoded.indices)

    def tokens_of(commission: pa.Array, domain: pa.Array, value: pa.Array) -> pa.Array:
        commissions, domains = commission.unique().to_pylist(), domain.unique().to_pylist()
        unknown = [each for each in commissions if each not in keys]
        if unknown:
            raise ValueError(
                f"{TOKEN_FUNCTION}: no key for commission {unknown[0]!r}: "
                "it is not in the commissions register the pseudonymisation plugin loaded"
            )
        invalid = [each for each in domains if each is None or not DOMAIN_PATTERN.fullmatch(each)]
        if invalid:
            raise ValueError(f"{TOKEN_FUNCTION}: domain {invalid[0]!r} is not lower_snake_case")
        if len(commissions) == 1 and len(domains) == 1:  # what SQL does: literal commission and domain
            return keyed_tokens(commissions[0], domains[0], value)
        pairs = pc.binary_join_element_wise(commission, domain, DOMAIN_SEPARATOR)
        tokens = pa.nulls(len(value), pa.string())
        for pair in pc.unique(pairs).to_pylist():
            rows = pc.equal(pairs, pair)
            commission_id, domain_name = pair.split(DOMAIN_SEPARATOR)
            tokens = pc.replace_with_mask(tokens, rows, keyed_tokens(commission_id, domain_name, value.filter(rows)))
        return tokens

    def token_function(commission: pa.ChunkedArray, domain: pa.ChunkedArray, value: pa.ChunkedArray) -> pa.Array:
        return tokens_of(_array(commission), _array(domain), _array(value))

    def tokens_function(commission: pa.ChunkedArray, domain: pa.ChunkedArray, values: pa.ChunkedArray) -> pa.Array:
        lists = _array(values)
        parents = pc.list_parent_indices(lists)
        tokens = tokens_of(_array(commission).take(parents), _array(domain).take(parents), lists.flatten())
        lengths = pc.fill_null(pc.list_value_length(lists), 0)
        offsets = pa.concat_arrays([pa.array([0], pa.int32()), pc.cumulative_sum(lengths).cast(pa.int32())])
        return pa.ListArray.from_arrays(offsets, tokens, mask=pc.is_null(lists))

    return token_function, tokens_function


def register_token_functions(
    connection: duckdb.DuckDBPyConnection, functions: tuple[ArrowFunction, ArrowFunction]
) -> None:
    """Register token_functions() as insight_hub_token and insight_hub_tokens on
    a DuckDB connection (functions belong to the database: its cursors see them)."""
    token_function, tokens_function = functions
    # arrow functions that see nulls themselves (the enums DuckDB also reads from "arrow" and "special")
    arrow, special = PythonUDFType.ARROW, FunctionNullHandling.SPECIAL
    connection.create_function(
        TOKEN_FUNCTION, token_function, ["VARCHAR"] * 3, "VARCHAR", type=arrow, null_handling=special
    )
    connection.create_function(
        TOKENS_FUNCTION,
        tokens_function,
        ["VARCHAR", "VARCHAR", "VARCHAR[]"],
        "VARCHAR[]",
        type=arrow,
        null_handling=special,
    )


def _array(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.chunk(0) if values.num_chunks == 1 else values.combine_chunks()
    return values
