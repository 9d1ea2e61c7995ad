from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "experts"
    verbose_name = "Experts"

    def ready(self):
        from membership.events import demo_loaded

        from . import signals  # noqa: F401

        demo_loaded.connect(_demo_expert_pool, dispatch_uid="experts_demo_pool")


def _demo_expert_pool(sender, member, staff_user, **kwargs):
    from experts.services.demo import demo_expert_pool

    return demo_expert_pool(member=member, staff_user=staff_user)
