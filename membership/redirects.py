"""Where a form sends the visitor back to, when the form itself names the page (`next=`)."""

from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def redirect_to_next_or(request, target: str, *default_args, **default_kwargs):
    """Follow `target` only if it is a path on this site; otherwise go to the default.

    `target` comes from the visitor, so it is never passed to `redirect()`, which would try it
    as a URL name and fail on anything that is neither a name nor a path.
    """
    if (
        target.startswith("/")
        and "\x00" not in target
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return HttpResponseRedirect(target)
    return redirect(*default_args, **default_kwargs)
