"""Keyed pseudonymisation: the one Python definition of the Hub's tokens.

A token is HMAC-SHA256 (RFC 2104) of a normalised identifier, keyed per
commission and domain-separated by identifier type:

    commission key  K_c   = HMAC(master key, "insight-hub/commission-key/v1/" + commission_id)
    token(d, value)       = hex(HMAC(K_c, d + "\\x1f" + value))

so tokens from two commissions never join, and the NHS-number token of a
string never equals its surname token. The warehouse computes the same
function in SQL (macro ``pseudonymise``) from the HMAC pads this module
derives; the pads are handed to DuckDB as session variables by
``insight_hub.dbt_plugin`` and never appear in SQL text, artifacts or logs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Any, Iterable

MASTER_KEY_ENV = "INSIGHT_HUB_MASTER_KEY"
# Published on purpose: anyone can recompute demo tokens, which is why only the
# demo and test targets accept it.
DEMO_MASTER_KEY = "insight-hub-demo-key/NOT-SECRET/never-use-with-real-data"
MIN_MASTER_KEY_LENGTH = 32
DOMAIN_SEPARATOR = "\x1f"
_COMMISSION_KEY_LABEL = "insight-hub/commission-key/v1/"
_BLOCK_SIZE = 64  # SHA-256 block size in bytes (RFC 2104's B)


class MasterKeyError(RuntimeError):
    """The master key is missing or unusable for this target."""


@dataclass(frozen=True)
class HmacPads:
    """The inner and outer padded keys of RFC 2104 for one key."""

    inner: bytes
    outer: bytes


def resolve_master_key(allow_demo_key: bool) -> tuple[bytes, bool]:
    """Return (master key, is_demo_key) from the environment.

    Raises MasterKeyError when no key is set and the target does not allow the
    demo key, or when a key is set but too short to be a real secret.
    """
    value = os.environ.get(MASTER_KEY_ENV, "")
    if not value:
        if allow_demo_key:
            return DEMO_MASTER_KEY.encode(), True
        raise MasterKeyError(
            f"{MASTER_KEY_ENV} is not set: this target pseudonymises real data and "
            "has no demo key. Export the commission master key from the Hub's secret store."
        )
    if len(value) < MIN_MASTER_KEY_LENGTH:
        raise MasterKeyError(
            f"{MASTER_KEY_ENV} is shorter than {MIN_MASTER_KEY_LENGTH} characters; "
            "use a random secret of at least 32 characters."
        )
    return value.encode(), False


def commission_key(master_key: bytes, commission_id: str) -> bytes:
    """Derive the key of one commission from the master key."""
    return hmac.new(master_key, (_COMMISSION_KEY_LABEL + commission_id).encode(), hashlib.sha256).digest()


def hmac_pads(key: bytes) -> HmacPads:
    """RFC 2104 padding: keys longer than a block are hashed first."""
    if len(key) > _BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK_SIZE, b"\x00")
    return HmacPads(inner=bytes(b ^ 0x36 for b in key), outer=bytes(b ^ 0x5C for b in key))


def token(key: bytes, domain: str, value: str) -> str:
    """The token of a normalised value in a domain, as the warehouse computes it."""
    return hmac.new(key, (domain + DOMAIN_SEPARATOR + value).encode(), hashlib.sha256).hexdigest()


def pad_variable_names(commission_id: str) -> tuple[str, str]:
    """Names of the DuckDB session variables that hold a commission's pads."""
    return f"insight_hub_ipad:{commission_id}", f"insight_hub_opad:{commission_id}"


def commission_pads(master_key: bytes, commissions: Iterable[str]) -> dict[str, HmacPads]:
    """The HMAC pads of each commission's key."""
    return {commission: hmac_pads(commission_key(master_key, commission)) for commission in commissions}


def set_pad_variables(connection: Any, pads: dict[str, HmacPads]) -> None:
    """Hand the pads to a DuckDB connection as session variables (never as SQL text)."""
    for commission, commission_pads_ in pads.items():
        inner_name, outer_name = pad_variable_names(commission)
        connection.execute(f'set variable "{inner_name}" = ?', [commission_pads_.inner]).fetchall()
        connection.execute(f'set variable "{outer_name}" = ?', [commission_pads_.outer]).fetchall()
