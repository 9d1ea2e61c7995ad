from django.core.paginator import Page, Paginator
from django.db.models import Count, Window

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


def paginate_with_total(request, queryset, per_page: int = PAGE_SIZE) -> Page:
    """A page of `queryset` (a `.values()` queryset: narrow rows) whose total comes from a
    window count in the same query as its rows.

    Ranking the pool is the expensive part of the matching page; a separate COUNT would rank
    it twice. A page number past the end falls back to one COUNT and shows the last page.
    """
    try:
        number = min(max(int(request.GET.get("page", 1)), 1), MAX_PAGE_NUMBER)
    except (TypeError, ValueError):
        number = 1
    counted = queryset.annotate(total_count=Window(Count("pk")))
    offset = (number - 1) * per_page
    rows = list(counted[offset : offset + per_page])
    if rows:
        total = rows[0]["total_count"]
    else:
        total = queryset.count()
        if total and number > 1:
            number = (total + per_page - 1) // per_page
            offset = (number - 1) * per_page
            rows = list(counted[offset : offset + per_page])
    paginator = Paginator(_Total(total), per_page)
    return Page(rows, number, paginator)
