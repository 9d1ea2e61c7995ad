from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def refresh_report_snapshots() -> int:
    """Beat runs this every few minutes: each report snapshot staff looked at lately that is
    out of date (changes since, an earlier day, or a Refresh asked for) is computed again;
    then old snapshots and seen changes are pruned, and the revenue rows the triggers
    appended are folded into one per key, and the standing episodes are built again when the
    grace period changed. Returns how many were recomputed."""
    from django.utils import timezone

    from reports.snapshots import (
        snapshot_refresh,
        snapshots_due,
        snapshots_enabled,
        snapshots_prune,
    )
    from reports.summaries import revenue_days_fold, standing_ensure

    revenue_days_fold()
    standing_ensure()
    if not snapshots_enabled():
        return 0
    done = 0
    for snapshot_id in snapshots_due(today=timezone.localdate()):
        if snapshot_refresh(snapshot_id=snapshot_id) is not None:
            done += 1
    snapshots_prune()
    return done


@shared_task(ignore_result=True, acks_late=True)
def refresh_report_snapshot(snapshot_id: int) -> None:
    """The Refresh button's work: one page's figures computed again."""
    from reports.snapshots import snapshot_refresh, snapshots_enabled

    if snapshots_enabled():
        snapshot_refresh(snapshot_id=snapshot_id)
