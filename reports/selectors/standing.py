"""Each membership's state on a list of dates in one pass over the paid terms (PostgreSQL).

The rule is the one `covers`, `in_grace_window` and `known_on` state (reports/selectors/
common.py), worked out per term as ranges of date positions instead of one CASE per date:

- with the dates sorted, the positions a term makes its member active on ([start_on, end_on),
  once paid) are one run `[max(started, known), ended)`; in grace one run `[max(ended, known),
  grace_ended)`; and "has a term that counts" (active, grace or lapsed) `[max(started, known),
  end of the list)`;
- a position is found with `width_bucket` over the sorted dates (a binary search), and "known"
  by comparing `activated_at` with the start of the day after each date, so no time-zone
  conversion is done per row;
- each term's runs become bit masks, OR-ed per membership, and memberships with the same masks
  (and category, and join cohort) are counted together: a few thousand rows come back,
  whatever the number of members.

A membership whose active or grace terms have more than one category also sends its masks per
category, so "the category of the active term, else of the one in grace (the highest id when
several)" is decided exactly as the portable query does.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from membership.models import Member, Membership, MembershipTerm, TermStatus
from reports.models import StandingBuild, StandingEpisode
from reports.selectors.common import day_after_start, fetch_all
from reports.summaries import summaries_kept

ACTIVE, GRACE, LAPSED = 3, 2, 1
MAX_DATES = 62  # bits of a bigint below its sign bit


@dataclass(frozen=True)
class MaskRow:
    cohort: int  # position of the first paid start among `cohort_starts` (0 when not asked)
    category_id: int | None
    active: int
    grace: int
    counted: int
    members: int


def _mask(low: str, high: str) -> str:
    return f"CASE WHEN {high} > {low} THEN (1::bigint << {high}) - (1::bigint << {low}) ELSE 0 END"


@dataclass
class Masks:
    rows: list[MaskRow]
    # Per membership whose terms have several categories: (category, active, grace).
    mixed: dict[int, list[tuple[int, int, int]]]
    # (country, state or province, members) in good standing on the place date, if asked.
    places: list[tuple[str, str, int]]
    # Members per cohort position, when the rows are episodes (several rows a membership).
    cohort_members: dict[int, int] | None = None


def membership_masks(
    *,
    dates: list[dt.date],
    grace_days: int,
    cohort_starts: list[dt.date] | None = None,
    place_on: dt.date | None = None,
) -> Masks:
    """Masks over `dates` (sorted, distinct, at most MAX_DATES): bit i of `active` is set when
    the membership is active on dates[i], of `grace` when a term's grace period holds it, of
    `counted` when any paid term counts that day. Returns the grouped rows of single-category
    memberships and, per membership with several categories, (category, active, grace)."""
    if len(dates) > MAX_DATES or dates != sorted(set(dates)):
        raise ValueError("dates must be sorted, distinct and at most 62")
    table = MembershipTerm._meta.db_table
    # Positions first (each searched once per term), then the runs between them as masks.
    # OFFSET 0 keeps each level a step of its own, so no search is repeated where the levels
    # above use its result several times.
    positions = (
        "SELECT membership_id, category_id, start_on, "  # noqa: S608
        "width_bucket(start_on - 1, %(dates)s) AS s0, "
        "width_bucket(end_on - 1, %(dates)s) AS e, "
        "COALESCE(width_bucket(activated_at, %(known)s), 0) AS k, "
        # Whole numbers only are formatted in (a date plus an integer; a shift by one).
        f"width_bucket(end_on + {int(grace_days) - 1}, %(dates)s) AS ge "
        f"FROM {table} WHERE status = %(paid)s OFFSET 0"
    )
    positions = (
        "SELECT membership_id, category_id, start_on, GREATEST(s0, k) AS s, e, "  # noqa: S608
        f"GREATEST(e, k) AS g0, ge FROM ({positions}) p0 OFFSET 0"
    )
    cohort = "width_bucket(MIN(start_on), %(cohorts)s)" if cohort_starts else "0"
    sql = (
        f"WITH t AS NOT MATERIALIZED (SELECT membership_id, category_id, start_on, "  # noqa: S608
        f"{_mask('s', 'e')} AS a, {_mask('g0', 'ge')} AS g, "
        f"{_mask('s', str(len(dates)))} AS n FROM ({positions}) p OFFSET 0), "
        "m AS (SELECT membership_id, bit_or(a) AS a, bit_or(g) AS g, bit_or(n) AS n, "
        f"{cohort} AS cohort, "
        "MIN(category_id) FILTER (WHERE a <> 0 OR g <> 0) AS c0, "
        "MAX(category_id) FILTER (WHERE a <> 0 OR g <> 0) AS c1 FROM t GROUP BY membership_id) "
        "SELECT 0, cohort, c0, a, g, n, COUNT(*) FROM m WHERE c0 IS NULL OR c0 = c1 "
        "GROUP BY cohort, c0, a, g, n "
        "UNION ALL SELECT membership_id, cohort, NULL, a, g, n, 1 FROM m WHERE c0 <> c1 "
        "UNION ALL SELECT t.membership_id, -1, t.category_id, bit_or(t.a), bit_or(t.g), 0, 0 "
        "FROM t WHERE t.membership_id IN (SELECT membership_id FROM m WHERE c0 <> c1) "
        "GROUP BY t.membership_id, t.category_id"
    )
    if place_on is not None:
        # Where the members in good standing on that date are: the same masks, joined to the
        # members once, instead of another pass over the terms.
        bit = 1 << dates.index(place_on)
        sql += (
            f" UNION ALL SELECT -2, 0, NULL, 0, 0, 0, COUNT(*), mb.country, mb.state_province "  # noqa: S608
            f"FROM m JOIN {Membership._meta.db_table} ms ON ms.id = m.membership_id "
            f"JOIN {Member._meta.db_table} mb ON mb.id = ms.member_id "
            f"WHERE (m.a | m.g) & {int(bit)} <> 0 GROUP BY mb.country, mb.state_province"
        )
        sql = sql.replace("n, COUNT(*) FROM m WHERE", "n, COUNT(*), '', '' FROM m WHERE")
        sql = sql.replace("n, 1 FROM m WHERE", "n, 1, '', '' FROM m WHERE")
        sql = sql.replace("0, 0 FROM t WHERE", "0, 0, '', '' FROM t WHERE")
    params = {
        "dates": list(dates),
        "known": [day_after_start(day) for day in dates],
        "paid": TermStatus.ACTIVE,
    }
    if cohort_starts:
        params["cohorts"] = list(cohort_starts)
    masks = Masks(rows=[], mixed=defaultdict(list), places=[])
    rows, mixed = masks.rows, masks.mixed
    for membership_id, cohort_index, category_id, a, g, n, members, *place in fetch_all(
        sql, params
    ):
        if membership_id == -2:
            masks.places.append((place[0], place[1], members))
        elif membership_id == 0:
            rows.append(MaskRow(cohort_index, category_id, a, g, n, members))
        elif cohort_index == -1:
            mixed[membership_id].append((category_id, a, g))
        else:
            rows.append(MaskRow(cohort_index, -membership_id, a, g, n, 1))
    return masks


def standing_masks(
    *,
    dates: list[dt.date],
    grace_days: int,
    cohort_starts: list[dt.date] | None = None,
    place_on: dt.date | None = None,
) -> Masks:
    """The masks from the standing episodes the triggers keep, while they were built with this
    grace period; else from the terms (`membership_masks`)."""
    found = episode_masks(
        dates=dates, grace_days=grace_days, cohort_starts=cohort_starts, place_on=place_on
    )
    if found is not None:
        return found
    return membership_masks(
        dates=dates, grace_days=grace_days, cohort_starts=cohort_starts, place_on=place_on
    )


def _bits(low: int, high: int) -> int:
    return (1 << high) - (1 << low) if high > low else 0


def episode_masks(
    *,
    dates: list[dt.date],
    grace_days: int,
    cohort_starts: list[dt.date] | None = None,
    place_on: dt.date | None = None,
) -> Masks | None:
    """`membership_masks` read from the standing episodes (reports.models.StandingEpisode):
    one pass over a row per episode, no grouping per membership and no join, as the episodes
    of a membership do not overlap and carry its place and cohort. Each episode's parts
    become date positions with `width_bucket`, and episodes with the same positions (and
    categories, cohort, first or not) are counted together. None when the episodes are not
    kept (SQLite) or were built with another grace period: the same query says so, in a row
    of its own, so this costs no query more than the masks."""
    if len(dates) > MAX_DATES or dates != sorted(set(dates)):
        raise ValueError("dates must be sorted, distinct and at most 62")
    if not summaries_kept():
        return None
    table = StandingEpisode._meta.db_table
    size = len(dates)
    cohort = "COALESCE(width_bucket(cohort_on, %(cohorts)s), 0)" if cohort_starts else "0"
    sql = (
        f"SELECT 0, {cohort}, active_category_id, grace_category_id, "  # noqa: S608
        "width_bucket(active_on - 1, %(dates)s), width_bucket(grace_on - 1, %(dates)s), "
        "width_bucket(lapsed_on - 1, %(dates)s), "
        f"COALESCE(width_bucket(until_on - 1, %(dates)s), {int(size)}), first, '', '', "
        f"COUNT(*) FROM {table} GROUP BY 2, 3, 4, 5, 6, 7, 8, 9"
    )
    params = {"dates": list(dates), "grace": grace_days}
    if cohort_starts:
        params["cohorts"] = list(cohort_starts)
    if place_on is not None:
        # In good standing on the day: its episode's active or grace part holds it.
        sql += (
            " UNION ALL SELECT 1, 0, NULL, NULL, 0, 0, 0, 0, FALSE, country, "  # noqa: S608
            f"state_province, COUNT(*) FROM {table} "
            "WHERE active_on <= %(place)s AND lapsed_on > %(place)s GROUP BY 10, 11"
        )
        params["place"] = place_on
    sql += (
        " UNION ALL SELECT 2, 0, NULL, NULL, 0, 0, 0, 0, FALSE, '', '', 0 "  # noqa: S608
        f"FROM {StandingBuild._meta.db_table} WHERE grace_days = %(grace)s"
    )
    rows = fetch_all(sql, params)
    if not any(row[0] == 2 for row in rows):
        return None
    masks = Masks(rows=[], mixed=defaultdict(list), places=[], cohort_members=defaultdict(int))
    for branch, cohort_index, active_cat, grace_cat, pa, pg, pl, pu, first, *place, n in rows:
        if branch == 1:
            masks.places.append((place[0], place[1], n))
        elif branch == 0:
            if first:
                masks.cohort_members[cohort_index] += n
            active, grace, lapsed = _bits(pa, pg), _bits(pg, pl), _bits(pl, pu)
            if active:
                masks.rows.append(MaskRow(cohort_index, active_cat, active, 0, active, n))
            if grace:
                masks.rows.append(MaskRow(cohort_index, grace_cat, 0, grace, grace, n))
            if lapsed:
                masks.rows.append(MaskRow(cohort_index, None, 0, 0, lapsed, n))
    return masks


def runs(mask: int):
    """(first, past_last) of each run of set bits."""
    position = 0
    while mask:
        skip = (mask & -mask).bit_length() - 1
        mask >>= skip
        position += skip
        length = (~mask & (mask + 1)).bit_length() - 1
        yield position, position + length
        mask >>= length
        position += length


def _add(diff: dict, key, mask: int, members: int) -> None:
    for low, high in runs(mask):
        diff[key][low] += members
        diff[key][high] -= members


def standing_counts(
    *, dates: list[dt.date], grace_days: int
) -> dict[tuple[int, int, int | None], int]:
    """Members per (date index, state, category id) on each of `dates`, as
    `standing_on_dates` counts them (no zero entries)."""
    ordered = sorted(set(dates))
    masks = standing_masks(dates=ordered, grace_days=grace_days)
    return counts_from_masks(masks.rows, masks.mixed, ordered=ordered, dates=dates)


def counts_from_masks(
    rows: list[MaskRow], mixed, *, ordered: list[dt.date], dates: list[dt.date]
) -> dict[tuple[int, int, int | None], int]:
    """The standing counts on `dates` (each one of `ordered`, the masks' dates)."""
    size = len(ordered)
    diff: dict[tuple[int, int | None], list[int]] = defaultdict(lambda: [0] * (size + 1))
    for row in rows:
        if row.category_id is not None and row.category_id < 0:
            _add_mixed(diff, row, mixed[-row.category_id], size)
            continue
        good = row.active | row.grace
        _add(diff, (ACTIVE, row.category_id), row.active, row.members)
        _add(diff, (GRACE, row.category_id), row.grace & ~row.active, row.members)
        _add(diff, (LAPSED, None), row.counted & ~good, row.members)
    by_position: dict[tuple[int, int, int | None], int] = {}
    for (state, category_id), deltas in diff.items():
        running = 0
        for position in range(size):
            running += deltas[position]
            if running:
                by_position[(position, state, category_id)] = running
    index = {day: i for i, day in enumerate(ordered)}
    counts = {}
    for i, day in enumerate(dates):
        for state, category_id in diff:
            n = by_position.get((index[day], state, category_id))
            if n:
                counts[(i, state, category_id)] = n
    return counts


def _add_mixed(diff, row: MaskRow, per_category, size: int) -> None:
    """A membership whose terms have several categories: date by date, the highest category
    among its active terms, else among those in grace."""
    for position in range(size):
        bit = 1 << position
        active = [c for c, a, _g in per_category if a & bit]
        grace = [c for c, _a, g in per_category if g & bit]
        if active:
            _add(diff, (ACTIVE, max(active)), bit, 1)
        elif grace:
            _add(diff, (GRACE, max(grace)), bit, 1)
        elif row.counted & bit:
            _add(diff, (LAPSED, None), bit, 1)


def good_standing_by_cohort(
    masks: Masks, *, positions: list[int]
) -> dict[int, tuple[int, list[int]]]:
    """Per cohort position: members, and how many were in good standing (active or in grace)
    on the masks' date at each of `positions`."""
    standing: dict[int, list[int]] = {}
    members: dict[int, int] = defaultdict(int)
    for row in masks.rows:
        counts = standing.setdefault(row.cohort, [0] * len(positions))
        good = row.active | row.grace
        for i, position in enumerate(positions):
            if good >> position & 1:
                counts[i] += row.members
        members[row.cohort] += row.members
    if masks.cohort_members is not None:  # episodes: several rows a membership
        members = masks.cohort_members
    return {
        cohort: (members.get(cohort, 0), standing.get(cohort, [0] * len(positions)))
        for cohort in set(standing) | set(members)
    }
