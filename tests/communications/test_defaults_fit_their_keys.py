"""Staff start editing from a key's default: the default must pass the same check as their
version, or the first save of an unchanged default is refused."""

import pytest

from communications.services.templates import default_sources
from communications.templating.registry import SPECS
from communications.templating.sandbox import template_check


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.key)
def test_each_default_uses_only_its_keys_declared_variables(spec):
    subject, body = default_sources(spec)
    assert body, f"{spec.key} has no default text"
    template_check(spec, subject, body)
