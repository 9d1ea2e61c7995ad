from django.core.paginator import Page, Paginator
from django.db import connection

PAGE_SIZE = 25
# Past this, a page number is past the end of any list: the offset it gives would not fit the
# database's integers. Such a number shows the last page, like any page past the end.
MAX_PAGE_NUMBER = 1_000_000


def paginate(request, queryset, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


class _Total:
    """Stands in for the full result list when only its length is known."""

    def __init__(self, total: int):
        self.total = total

    def __len__(self):
        return self.total


def paginate_capped(request, queryset, per_page: int = PAGE_SIZE, *, cap: int, order_by) -> Page:
    """A page of `queryset` (ranked, narrow `.values()` rows) among its first `cap` rows, and
    their number, in one query: the database ranks the matches once, keeps the best `cap` + 1
    (a bounded sort), counts and numbers those (`order_by`, SQL over the rows' columns) and
    returns the page; a page number past the end gets the last page from the same query.

    So a broad match never makes it keep and count every row for a number nobody reads;
    `page.paginator.more_than_cap` says there were more."""
    try:
        number = min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        number = 1
    offset = (min(number, (cap + per_page - 1) // per_page) - 1) * per_page
    sql, params = queryset[: cap + 1].query.sql_with_params()
    least = "LEAST" if connection.vendor == "postgresql" else "MIN"  # SQLite's is MIN(a, b)
    with connection.cursor() as cursor:
        cursor.execute(
            # Both parts are the portal's own SQL: the ORM's query and a constant order.
            "SELECT * FROM (SELECT ranked.*, COUNT(*) OVER () AS counted_,"  # noqa: S608
            f" ROW_NUMBER() OVER (ORDER BY {order_by}) AS place_ FROM ({sql}) AS ranked) AS r"
            f" WHERE place_ > {least}(%s, ({least}(counted_, %s) - 1) / %s * %s)"
            " ORDER BY place_ LIMIT %s",
            [*params, offset, cap, per_page, per_page, per_page],
        )
        columns = ["pk" if c.name == "id" else c.name for c in cursor.description]
        fetched = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    counted = fetched[0].pop("counted_") if fetched else 0
    number = (fetched[0]["place_"] - 1) // per_page + 1 if fetched else 1
    for row in fetched:
        row.pop("counted_", None)
        row.pop("place_")
    paginator = Paginator(_Total(min(counted, cap)), per_page)
    paginator.cap = cap
    paginator.more_than_cap = counted > cap
    return Page(fetched, number, paginator)
