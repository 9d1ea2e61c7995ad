"""Benchmark: the matching page for an assistance request, at 10,000 and 100,000 experts.

    .venv/bin/python bench/expert_matching.py [--sizes 10000 100000] [--runs 15]

Starts a throw-away PostgreSQL (as `make test` does), migrates it, bulk-inserts members and
expert profiles, then asks the matching page through Django's test client as international
programs staff. It prints the server time (median, best and worst of the runs, in-process, so no
network) and the number of SQL queries per page at each size, and the ratio against the
smallest size measured in the same run; the goal is at most 100 ms and 10 queries at 100,000.
PostgreSQL runs with its default durability (fsync on; the first line printed says so).
Not part of `make test`.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support import bench_django  # noqa: E402

BATCH = 5_000


def database_settings(*, parallel: bool = False) -> dict[str, str]:
    # The web process and PostgreSQL share this machine's few CPUs: a parallel worker would
    # compete with the request it serves. A database host of its own keeps the default.
    # Reported with the results.
    return {} if parallel else {"max_parallel_workers_per_gather": "0"}


def grow_pool(target: int, rng: random.Random) -> float:
    """Add members with expert profiles until the pool holds `target` profiles."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from experts.models import (
        ConsentText,
        EngagementType,
        ExpertAvailability,
        ExpertiseArea,
        ExpertLanguage,
        ExpertProfile,
        Language,
    )
    from experts.models.taxonomy import accepts_field, areas_mask, languages_mask
    from membership.models import Member

    have = ExpertProfile.objects.count()
    if have >= target:
        return 0.0
    started = time.perf_counter()
    with open(os.devnull, "w") as quiet:
        call_command(
            "seed_members",
            count=target - have,
            seed=rng.randint(0, 10**6),
            with_memberships=True,
            stdout=quiet,
        )
    consent_id = ConsentText.objects.order_by("-version").values_list("pk", flat=True).first()
    areas = list(ExpertiseArea.objects.all())
    languages = [code for code in Language.values if code != "en"]
    types = EngagementType.values
    through = ExpertProfile.areas.through
    member_ids = list(
        Member.objects.filter(expert_profile__isnull=True).values_list("pk", flat=True)
    )
    today = date.today()
    for offset in range(0, len(member_ids), BATCH):
        chunk = member_ids[offset : offset + BATCH]
        with transaction.atomic():
            profiles, chosen = [], []
            for member_id in chunk:
                roll = rng.random()
                status = "active" if roll < 0.9 else ("paused" if roll < 0.95 else "withdrawn")
                accepted = set(rng.sample(types, rng.randint(1, 3)))
                their_areas = rng.sample(areas, rng.randint(1, 4))
                # Everyone speaks English natively; some speak one more language.
                extra = (rng.choice(languages), rng.randint(1, 4)) if rng.random() < 0.15 else None
                chosen.append((their_areas, extra))
                spoken = ["en"] + ([extra[0]] if extra and extra[1] >= 2 else [])
                profiles.append(
                    ExpertProfile(
                        member_id=member_id,
                        status=status,
                        consent_text_id=consent_id if rng.random() < 0.97 else None,
                        summary="Local-government professional.",
                        years_in_local_government=rng.randint(2, 40),
                        willing_to_travel=rng.random() < 0.6,
                        area_mask=areas_mask(their_areas),
                        language_mask=languages_mask(spoken),
                        **{accepts_field(t): t in accepted for t in types},
                    )
                )
            profiles = ExpertProfile.objects.bulk_create(profiles)
            through.objects.bulk_create(
                through(expertprofile_id=p.pk, expertisearea_id=a.pk)
                for p, (their_areas, _extra) in zip(profiles, chosen, strict=True)
                for a in their_areas
            )
            rows = []
            for p, (_areas, extra) in zip(profiles, chosen, strict=True):
                rows.append(ExpertLanguage(profile_id=p.pk, language="en", proficiency=4))
                if extra:
                    rows.append(
                        ExpertLanguage(profile_id=p.pk, language=extra[0], proficiency=extra[1])
                    )
            ExpertLanguage.objects.bulk_create(rows)
            ExpertAvailability.objects.bulk_create(
                ExpertAvailability(
                    profile_id=p.pk,
                    starts_on=(start := today + timedelta(days=rng.randint(0, 500))),
                    ends_on=start + timedelta(days=rng.randint(3, 90)),
                )
                for p in profiles
                for _ in range(rng.randint(0, 2))
            )
    # As autovacuum would after a bulk load: statistics, visibility map, hint bits.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def measure(client, url: str, runs: int) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches and connections; not counted
    timings, counts = [], set()
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
        counts.add(len(queries))
    assert len(counts) == 1, f"query count varies between runs: {counts}"
    matched = re.search(rb'data-match-count="(\d+)"', response.content).group(1).decode()
    # The page counts at most 1,000 matches (and one more) and then says "more than".
    more = re.search(rb'data-more-than="(\d+)"', response.content)
    shown = f"more than {int(more.group(1)):,}" if more else f"{int(matched):,}"
    return timings, counts.pop(), shown


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--parallel", action="store_true", help="keep PostgreSQL's default parallel workers"
    )
    args = parser.parse_args()

    with bench_django(
        database_settings=database_settings(parallel=args.parallel),
        environ={"ALLOWED_HOSTS": "testserver"},
    ):
        from django.test import Client

        staff, request_url = prepare()
        client = Client()
        client.force_login(staff)

        rng = random.Random(2014)
        results = []
        for size in sorted(args.sizes):
            seconds = grow_pool(size, rng)
            timings, queries, matched = measure(client, request_url, args.runs)
            results.append((size, timings, queries, matched))
            print(
                f"{size:>9,} profiles (built in {seconds:5.1f}s): {matched:>16} matching, "
                f"{queries} queries, median {statistics.median(timings):6.1f} ms, "
                f"best {min(timings):6.1f} ms, worst {max(timings):6.1f} ms over {args.runs} runs "
                f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
                flush=True,
            )
        workers = "default" if args.parallel else "0 (web and database share the CPUs)"
        print(f"PostgreSQL max_parallel_workers_per_gather: {workers}")
        base = results[0]
        print(f"\nBaseline: {base[0]:,} profiles.")
        for size, timings, queries, _matched in results[1:]:
            ratio = statistics.median(timings) / statistics.median(base[1])
            print(
                f"{size:,} profiles: {queries} queries (baseline {base[2]}), "
                f"median time × {ratio:.2f} of the baseline"
            )
        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            client.get(request_url)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        same = len({r[2] for r in results}) == 1
        few = max(r[2] for r in results) <= 10
        fast = statistics.median(results[-1][1]) <= 100
        print(
            f"Constant query count: {'yes' if same else 'NO'}; at most 10 queries: "
            f"{'yes' if few else 'NO'}; median at most 100 ms at {results[-1][0]:,}: "
            f"{'yes' if fast else 'NO'}"
        )
        return 0 if same and few and fast else 1


def prepare():
    """An international staff member with TOTP, and one request on two topics."""
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.urls import reverse

    from experts.models import EngagementType, ExpertiseArea, PartnerOrganization
    from experts.services.requests import assistance_request_save
    from membership.permissions import INTERNATIONAL_STAFF_GROUP

    user = get_user_model().objects.create_user(
        username="bench-staff", email="bench-staff@example.org", password="bench-only"
    )
    user.groups.add(Group.objects.get(name=INTERNATIONAL_STAFF_GROUP))
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    today = date.today()
    request = assistance_request_save(
        topics=list(
            ExpertiseArea.objects.filter(slug__in=["performance-management", "budgeting-finance"])
        ),
        by=user,
        partner=PartnerOrganization.objects.first(),
        title="Performance budgeting workshop",
        description="",
        city="Yangzhou",
        province="Jiangsu",
        starts_on=today + timedelta(days=120),
        ends_on=today + timedelta(days=122),
        engagement_type=EngagementType.WORKSHOP,
        languages_needed=["cmn"],
        experts_wanted=3,
        status="open",
    )
    return user, reverse("experts:staff_request_matches", args=[request.pk])


if __name__ == "__main__":
    sys.exit(main())
