"""The membership report's figures, each from one aggregate query whatever the number of
members: status and category at a list of dates, the flows per month, renewal outcomes,
retention by join cohort, and where members are."""

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, Count, IntegerField, Max, Min, Q, Value, When
from django.db.models.functions import Coalesce

from membership.models import Membership, MembershipCategory, MembershipTerm, TermKind, TermStatus
from reports.models import StandingBuild, StandingEnd
from reports.periods import Period, fiscal_year, fiscal_year_of
from reports.selectors.common import (
    as_date,
    covers,
    fetch_all,
    in_good_standing,
    in_grace_window,
    inner_sql,
    known_on,
    paid_terms,
)
from reports.selectors.standing import (
    ACTIVE,
    GRACE,
    LAPSED,
    MAX_DATES,
    counts_from_masks,
    good_standing_by_cohort,
    standing_counts,
    standing_masks,
)
from reports.summaries import summaries_kept


@dataclass
class StandingGrid:
    """Members per (date index, state code, category id) on each of `dates`."""

    dates: list[dt.date]
    counts: dict[tuple[int, int, int | None], int] = field(default_factory=dict)

    def by_state(self, index: int, state: int) -> int:
        return sum(n for (i, s, _c), n in self.counts.items() if i == index and s == state)

    def by_category(self, index: int, category_id: int) -> int:
        """Members in good standing (active or in grace) in the category."""
        return sum(
            n
            for (i, s, c), n in self.counts.items()
            if i == index and c == category_id and s in (ACTIVE, GRACE)
        )


def standing_on_dates(*, dates: list[dt.date], grace_days: int) -> StandingGrid:
    """Each membership's state on each date, from its paid terms: active when a term holds the
    date, in grace when one ended within the grace period, lapsed when all ended before it;
    and its category then (the active term's, else the one in grace). One query: on
    PostgreSQL one pass with the dates as bit positions (reports/selectors/standing.py), up to
    62 dates at a time; elsewhere one CASE per date."""
    if not dates:
        return StandingGrid(dates=dates)
    if connection.vendor == "postgresql" and len(set(dates)) <= MAX_DATES:
        return StandingGrid(dates=dates, counts=standing_counts(dates=dates, grace_days=grace_days))
    return standing_on_dates_portable(dates=dates, grace_days=grace_days)


def standing_on_dates_portable(*, dates: list[dt.date], grace_days: int) -> StandingGrid:
    """`standing_on_dates` with one CASE per date in a grouped query: any database."""
    annotations = {}
    for i, day in enumerate(dates):
        annotations[f"st{i}"] = Max(
            Case(
                When(covers(day), then=Value(ACTIVE)),
                When(in_grace_window(day, grace_days), then=Value(GRACE)),
                When(known_on(day) & Q(end_on__lte=day), then=Value(LAPSED)),
                default=None,
                output_field=IntegerField(),
            )
        )
        annotations[f"cat{i}"] = Coalesce(
            Max(Case(When(covers(day), then="category_id"), default=None)),
            Max(Case(When(in_grace_window(day, grace_days), then="category_id"), default=None)),
        )
    inner = paid_terms().order_by().values("membership_id").annotate(**annotations)
    sql, params = inner_sql(inner)
    selects = [
        # Only column numbers are formatted in; every value travels as a parameter.
        f"SELECT {i}, s.st{i}, s.cat{i}, COUNT(*) FROM s WHERE s.st{i} IS NOT NULL "  # noqa: S608
        f"GROUP BY s.st{i}, s.cat{i}"
        for i in range(len(dates))
    ]
    grid = StandingGrid(dates=dates)
    if not dates:
        return grid
    for index, state, category_id, count in fetch_all(
        f"WITH s AS ({sql}) " + " UNION ALL ".join(selects), params
    ):
        grid.counts[(index, state, category_id)] = count
    return grid


@dataclass(frozen=True)
class MonthFlows:
    period: Period
    joins: int
    renewals: int
    reinstatements: int
    waivers: int
    lapses: int
    ended: int
    renewed: int
    undecided: int  # ended, not renewed, still in grace today

    @property
    def decided(self) -> int:
        return self.ended - self.undecided


def flows_by_month(*, months: list[Period], grace_days: int, today: dt.date) -> list[MonthFlows]:
    """Per month: terms started by kind (a renewal counts in the month its term starts), terms
    ended and how many of those renewed within grace, and lapses (the day after the grace of
    an unrenewed term ends falls in the month, and is not after today). One query; whether a
    term was renewed is worked out once per term, not once per month."""
    if not months:
        return []
    grace = dt.timedelta(days=grace_days)
    first, last = months[0].first_on, months[-1].last_on
    # Renewed: another paid term (not a reinstatement) starts on its end date, as in
    # `renewal_chain_q`. On PostgreSQL the triggers keep that per term (StandingEnd), so the
    # ends are counted per day along an index; elsewhere, or before the first build, it is
    # looked up in one hash of the terms starting in the span (the only ones that can renew a
    # term ending in it). The terms that start, and those that end or lapse, in the span are
    # read along index ranges and counted per day in SQL; the days are put in their months
    # here.
    table = MembershipTerm._meta.db_table
    starts = (
        f"SELECT 's', kind, start_on, FALSE, COUNT(*) FROM {table} "  # noqa: S608
        "WHERE status = %s AND start_on BETWEEN %s AND %s AND kind IN (%s, %s, %s, %s) "
        "GROUP BY kind, start_on"
    )
    kinds = (TermKind.JOIN, TermKind.RENEWAL, TermKind.REINSTATEMENT, TermKind.WAIVER)
    start_params = (TermStatus.ACTIVE, first, last, *kinds)
    rows = None
    if summaries_kept():
        # The ends and whether each was renewed, as the triggers keep them (StandingEnd); a
        # row of its own says they are kept (built), else the terms are read below.
        rows = fetch_all(
            starts + " UNION ALL SELECT 'e', '', end_on, renewed, COUNT(*) "  # noqa: S608
            f"FROM {StandingEnd._meta.db_table} WHERE end_on BETWEEN %s AND %s GROUP BY 3, 4 "
            "UNION ALL SELECT 'k', '', NULL, FALSE, 0 "
            f"FROM (SELECT 1 FROM {StandingBuild._meta.db_table} LIMIT 1) built",
            (*start_params, first - grace, last),
        )
        if not any(row[0] == "k" for row in rows):
            rows = None
    if rows is None:
        ends = (
            " UNION ALL SELECT 'e', '', end_on, (membership_id, end_on) IN (SELECT "  # noqa: S608
            f"membership_id, start_on FROM {table} WHERE status = %s AND kind <> %s "
            "AND start_on BETWEEN %s AND %s), COUNT(*) "
            f"FROM {table} WHERE status = %s AND kind <> %s AND end_on BETWEEN %s AND %s "
            "GROUP BY 3, 4"
        )
        rows = fetch_all(
            starts + ends,
            (
                *start_params,
                TermStatus.ACTIVE,
                TermKind.REINSTATEMENT,
                first - grace,
                last,
                TermStatus.ACTIVE,
                TermKind.LIFE,
                first - grace,
                last,
            ),
        )
    found: dict[tuple[str, dt.date], int] = {}

    def add(measure, day, n):
        key = (measure, day.replace(day=1))
        found[key] = found.get(key, 0) + int(n)

    for branch, kind, day, renewed, n in rows:
        if branch == "k":
            continue
        day = as_date(day)
        if branch == "s":
            add(f"s:{kind}", day, n)
            continue
        if first <= day <= last:
            if renewed:
                add("e:renewed", day, n)
            else:
                add("e:undecided" if day > today - grace else "e:other", day, n)
        # The lapse falls on the day after the grace period: from the span's first day on,
        # and not after today.
        lapse_on = day + grace
        if not renewed and first <= lapse_on <= last and day <= today - grace:
            add("lapse", lapse_on, n)
    flows = []
    for month in months:
        m = month.first_on

        def get(measure, m=m):
            return found.get((measure, m), 0)

        renewed, undecided = get("e:renewed"), get("e:undecided")
        flows.append(
            MonthFlows(
                period=month,
                joins=get(f"s:{TermKind.JOIN}"),
                renewals=get(f"s:{TermKind.RENEWAL}"),
                reinstatements=get(f"s:{TermKind.REINSTATEMENT}"),
                waivers=get(f"s:{TermKind.WAIVER}"),
                lapses=get("lapse"),
                ended=renewed + undecided + get("e:other"),
                renewed=renewed,
                undecided=undecided,
            )
        )
    return flows


@dataclass(frozen=True)
class Cohort:
    year: int  # the fiscal year its members joined in
    members: int
    # (fiscal year, members in good standing at its end), for each ended year after joining.
    retained: list[tuple[int, int]]


def retention_by_cohort(
    *, years: list[int], start_month: int, grace_days: int, today: dt.date
) -> list[Cohort]:
    """Of the members whose first paid term started in fiscal year Y, how many were in good
    standing at the end of each later fiscal year that has ended. One query."""
    if not years:
        return []
    if connection.vendor == "postgresql":
        return _retention_by_masks(
            years=years, start_month=start_month, grace_days=grace_days, today=today
        )
    return retention_by_cohort_portable(
        years=years, start_month=start_month, grace_days=grace_days, today=today
    )


def _retention_ends(years: list[int], start_month: int, today: dt.date) -> dict[int, dt.date]:
    last_year = fiscal_year_of(today, start_month=start_month) - 1
    return {
        y: fiscal_year(y, start_month=start_month).last_on
        for y in range(min(years) + 1, last_year + 1)
    }


def _cohort_starts(years: list[int], start_month: int) -> tuple[list[int], list[dt.date]]:
    """Every fiscal year from the first cohort to the last, and the days they start on (and
    the day after the last ends): a first paid start's place among them is its cohort."""
    every_year = list(range(min(years), max(years) + 1))
    starts = [fiscal_year(y, start_month=start_month).first_on for y in every_year]
    starts.append(fiscal_year(max(years), start_month=start_month).last_on + dt.timedelta(days=1))
    return every_year, starts


def _cohorts_from_masks(masks, *, years, every_year, ends, ordered) -> list[Cohort]:
    index = {day: i for i, day in enumerate(ordered)}
    found = good_standing_by_cohort(masks, positions=[index[day] for day in ends.values()])
    positions = {y: i for i, y in enumerate(ends)}
    cohorts = []
    for year in years:
        members, standing = found.get(every_year.index(year) + 1, (0, [0] * len(ends)))
        retained = [(y, standing[positions[y]]) for y in ends if y > year]
        cohorts.append(Cohort(year, members, retained))
    return cohorts


def _retention_by_masks(
    *, years: list[int], start_month: int, grace_days: int, today: dt.date
) -> list[Cohort]:
    """`retention_by_cohort` in one pass with the fiscal year ends as bit positions."""
    ends = _retention_ends(years, start_month, today)
    every_year, starts = _cohort_starts(years, start_month)
    ordered = list(ends.values()) or [today]  # with no year ended yet, only the cohorts count
    masks = standing_masks(dates=ordered, grace_days=grace_days, cohort_starts=starts)
    return _cohorts_from_masks(
        masks, years=years, every_year=every_year, ends=ends, ordered=ordered
    )


def standing_retention_and_places(
    *,
    dates: list[dt.date],
    years: list[int],
    start_month: int,
    grace_days: int,
    today: dt.date,
    place_on: dt.date,
) -> tuple[StandingGrid, list[Cohort], tuple[list, list]]:
    """`standing_on_dates`, `retention_by_cohort` and `members_by_place` together: on
    PostgreSQL one pass over the terms for all three (the month ends and fiscal year ends as
    bit positions of one mask, the members joined to the memberships' masks once)."""
    ends = _retention_ends(years, start_month, today) if years else {}
    ordered = sorted(set(dates) | set(ends.values()) | {place_on})
    if connection.vendor != "postgresql" or not dates or not years or len(ordered) > MAX_DATES:
        grid = standing_on_dates(dates=dates, grace_days=grace_days)
        cohorts = retention_by_cohort(
            years=years, start_month=start_month, grace_days=grace_days, today=today
        )
        return grid, cohorts, members_by_place(on=place_on, grace_days=grace_days)
    every_year, starts = _cohort_starts(years, start_month)
    masks = standing_masks(
        dates=ordered, grace_days=grace_days, cohort_starts=starts, place_on=place_on
    )
    grid = StandingGrid(
        dates=dates,
        counts=counts_from_masks(masks.rows, masks.mixed, ordered=ordered, dates=dates),
    )
    cohorts = _cohorts_from_masks(
        masks, years=years, every_year=every_year, ends=ends, ordered=ordered
    )
    return grid, cohorts, _places_sorted(masks.places)


def retention_by_cohort_portable(
    *, years: list[int], start_month: int, grace_days: int, today: dt.date
) -> list[Cohort]:
    """`retention_by_cohort` with one CASE per fiscal year end: any database."""
    if not years:
        return []
    periods = {y: fiscal_year(y, start_month=start_month) for y in years}
    last_year = fiscal_year_of(today, start_month=start_month) - 1
    ends = {
        y: fiscal_year(y, start_month=start_month).last_on
        for y in range(min(years) + 1, last_year + 1)
    }
    annotations = {
        f"g{y}": Max(
            Case(
                When(in_good_standing(day, grace_days), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        for y, day in ends.items()
    }
    inner = (
        paid_terms()
        .order_by()
        .values("membership_id")
        .annotate(first_on=Min("start_on"), **annotations)
    )
    sql, params = inner_sql(inner)
    cohort_case = " ".join(f"WHEN s.first_on BETWEEN %s AND %s THEN {y}" for y in years)
    cohort_params = tuple(p for y in years for p in (periods[y].first_on, periods[y].last_on))
    sums = ", ".join(f"SUM(s.g{y})" for y in ends) or "0"
    rows = fetch_all(
        f"WITH s AS ({sql}) SELECT c.cohort, COUNT(*), {sums.replace('s.', 'c.')} FROM "  # noqa: S608
        f"(SELECT s.*, CASE {cohort_case} END AS cohort FROM s) c "
        f"WHERE c.cohort IS NOT NULL GROUP BY c.cohort",
        params + cohort_params,
    )
    found = {row[0]: row for row in rows}
    cohorts = []
    for year in years:
        row = found.get(year)
        members = row[1] if row else 0
        later = [y for y in ends if y > year]
        values = dict(zip(ends, row[2:], strict=False)) if row else {}
        cohorts.append(Cohort(year, members, [(y, int(values.get(y) or 0)) for y in later]))
    return cohorts


def members_by_place(*, on: dt.date, grace_days: int) -> tuple[list, list]:
    """Members in good standing on `on` by country, and in the United States by state. One
    query, grouped by country and state; the country totals are their states' sums."""
    from django.db.models import Exists, OuterRef

    standing = Exists(
        paid_terms().filter(in_good_standing(on, grace_days), membership_id=OuterRef("pk"))
    )
    rows = (
        Membership.objects.filter(standing)
        .order_by()
        .values_list("member__country", "member__state_province")
        .annotate(n=Count("pk"))
    )
    return _places_sorted(rows)


def _places_sorted(rows) -> tuple[list, list]:
    """(country, state, members) rows → countries by members, US states by members."""
    by_country: dict[str, int] = {}
    by_state: dict[str, int] = {}
    for country, state, n in rows:
        by_country[country] = by_country.get(country, 0) + n
        if country == "US":
            by_state[state] = by_state.get(state, 0) + n
    countries = sorted(by_country.items(), key=lambda item: (-item[1], item[0]))
    states = sorted(by_state.items(), key=lambda item: (-item[1], item[0]))
    return countries, states


def categories() -> list[MembershipCategory]:
    return list(MembershipCategory.objects.order_by("sort_order", "name"))
