"""Moments in the core that other apps act on, without the core importing them (DESIGN.md,
"Apps and layers"): an app registers a function from its AppConfig.ready(), and the core's
services announce the moment.

* `membership_changed(team_id=..., user_id=...)`: someone joined a team or their role in it
  changed (accountability.services.membership_add and membership_set_role). Each registered
  function is called with the same keyword arguments once the change has committed, never
  inside it: a hook that fails is logged and undoes nothing, so whatever it does must also be
  done by a periodic job (the survey dispatcher invites members it missed, for one).
"""

from collections.abc import Callable

from django.db import transaction

MembershipHook = Callable[..., object]

_membership_hooks: list[MembershipHook] = []


def on_membership_changed(hook: MembershipHook) -> None:
    """Register `hook(team_id=..., user_id=...)` (once, however often this is called)."""
    if hook not in _membership_hooks:
        _membership_hooks.append(hook)


def membership_changed(*, team_id: int, user_id: int) -> None:
    for hook in _membership_hooks:
        transaction.on_commit(_later(hook, team_id=team_id, user_id=user_id), robust=True)


def _later(hook: MembershipHook, **kwargs) -> Callable[[], None]:
    # A function, not a functools.partial: Django names a failed robust callback by its
    # __qualname__, which a partial lacks.
    def call() -> None:
        hook(**kwargs)

    call.__qualname__ = getattr(hook, "__qualname__", repr(hook))
    return call
