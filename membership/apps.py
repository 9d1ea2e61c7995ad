from django.apps import AppConfig


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = "Membership"

    def ready(self):
        from membership.events import daily_part_register

        from . import signals  # noqa: F401

        # Membership's parts come first: the day's statuses, then its reminders.
        daily_part_register("statuses", _statuses)
        daily_part_register("reminders", _reminders)
        daily_part_register("page_stamps", _page_stamps)


def _statuses(*, on):
    from membership.services.daily import statuses_bring_up_to_date

    return statuses_bring_up_to_date(on=on)


def _reminders(*, on):
    from membership.services.daily import reminders_send

    return reminders_send(on=on)


def _page_stamps(*, on):
    from membership.page_cache import page_stamps_fold

    return page_stamps_fold(on=on)
