"""Download-key patterns: which warehouse table a download key lands in.

DESIGN.md asks for one table per download key, or one per key *pattern* when part of the key is
data. The rule applied across the catalog:

* The variable part of a key is data (a channel, a lower-funnel channel, a group name, a metric,
  a granularity, an effect scope, a spike grouping): every key of the pattern goes to ONE table
  and the variable parts become columns (``KeyParts.parts``), so analysts query one table
  instead of one per channel.
* Fixed keys whose tables have different layouts (``tables-daily`` vs ``tables-total``,
  ``summary_tables-*``, ``tables-*`` of the model configuration): one table per key, named after
  the key.
* Any key nothing matches (dynamic keys, new keys, unknown report types): the key itself is the
  table, with no parts. A key never raises.

The table name is a *logical* name; the warehouse turns it into a safe SQL identifier.

Public API: ``KeyParts(table, parts)``, ``KeyPattern(template, table, ...)`` with ``.match(key)``,
``key_pattern(template, table, **part_regexes)``, ``match_key(patterns, key) -> KeyParts``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A variable part matches any non-empty text unless a pattern says otherwise; free text such as
# group and channel names may contain "-", spaces and other punctuation.
ANY_TEXT = ".+"
# One dash-free segment: used where the key's own separators delimit the part.
SEGMENT = "[^-]+"

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class KeyParts:
    """Where one download key lands: the logical table and the key's variable parts (columns)."""

    table: str
    parts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KeyPattern:
    """A documented key template such as ``channel_summaries-{channel}-summary_table``."""

    template: str
    table: str
    regex: re.Pattern[str] = field(repr=False, compare=False)

    @property
    def part_names(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.template))

    def match(self, key: str) -> KeyParts | None:
        found = self.regex.fullmatch(key)
        if found is None:
            return None
        return KeyParts(table=self.table, parts=dict(found.groupdict()))


def key_pattern(template: str, table: str, **part_regexes: str) -> KeyPattern:
    """Compile ``template``; each ``{part}`` matches ``part_regexes[part]`` (default: any text).

    Regexes are greedy, so with ``{group_name}-{metric}-{granularity}`` and dash-free metric and
    granularity, a group name that itself contains dashes still splits at the LAST two dashes.
    """
    pieces: list[str] = []
    position = 0
    for placeholder in _PLACEHOLDER.finditer(template):
        pieces.append(re.escape(template[position : placeholder.start()]))
        name = placeholder.group(1)
        pieces.append(f"(?P<{name}>{part_regexes.get(name, ANY_TEXT)})")
        position = placeholder.end()
    pieces.append(re.escape(template[position:]))
    unknown = set(part_regexes) - set(_PLACEHOLDER.findall(template))
    if unknown:
        raise ValueError(f"key pattern {template!r} has no part(s) {sorted(unknown)}")
    return KeyPattern(template=template, table=table, regex=re.compile("".join(pieces), re.DOTALL))


def match_key(patterns: tuple[KeyPattern, ...], key: object) -> KeyParts:
    """The first pattern matching ``key`` wins; otherwise the key is its own table."""
    text = key if isinstance(key, str) else str(key)
    for pattern in patterns:
        parts = pattern.match(text)
        if parts is not None:
            return parts
    return KeyParts(table=text, parts={})


# --- the documented patterns (RECAST_API.md, "download keys" column) ---------------------------

INSIGHTS_SUMMARIES = key_pattern("summaries-{effect}-{metric}", "summaries", effect=SEGMENT, metric=SEGMENT)
UPPER_FUNNEL_CHANNEL_SUMMARIES = key_pattern("channel_summaries-{channel}-summary_table", "channel_summaries")
LOWER_FUNNEL_CHANNEL_SUMMARIES = key_pattern(
    "channel_summaries-{lower_funnel_channel}-summary_table", "channel_summaries"
)
GROUP_SUMMARIES = key_pattern(
    "group_summaries-{group_name}-{metric}-{granularity}",
    "group_summaries",
    metric=SEGMENT,
    granularity=SEGMENT,
)
SPIKE_DETAIL = tuple(
    key_pattern("{grouping}_" + measure, measure)
    # the longest suffix first, although anchoring already keeps them apart
    for measure in ("cumulative_effects_summarized", "cumulative_effects", "daily_effects")
)


def expand(prefix: str, *choices: tuple[str, ...], separator: str = "-") -> tuple[str, ...]:
    """Expand a braced key such as ``summaries-{total,direct}-{roi,mroi}`` into exact keys."""
    keys = [prefix]
    for options in choices:
        keys = [f"{key}{separator}{option}" if key else option for key in keys for option in options]
    return tuple(keys)
