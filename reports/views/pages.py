"""The report pages whose figures are kept as snapshots, by key (reports/snapshots.py)."""


def report_pages() -> dict:
    from reports.views import forecast, membership, revenue

    pages = (membership.PAGE, revenue.REVENUE, revenue.AGING, revenue.WAIVERS, forecast.PAGE)
    return {page.key: page for page in pages}
