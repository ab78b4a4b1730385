"""The one place that keeps cached pages current: every change to public content bumps the version.

Cached pages are keyed by the content version (topics.caching), so a change shows at
once on every process and instance exactly when the version moves, in the same
transaction as the change. Every path that can change what public pages show comes
through here:

- saving or deleting one row (admin forms, `import_content`, a reviewer publishing,
  reverting from history, `loaddata`): `post_save` and `post_delete`;
- admin's "Delete selected" and cascades: `post_delete` for each row deleted, and the
  queryset's own `delete()`;
- queryset `update()`, `bulk_create()` and `bulk_update()` (scripts, data migrations,
  `topics.search.index`), which send no signals: `InvalidatingQuerySet`, the
  base of every public-content model's manager;
- many-to-many changes (a topic's related topics, a disclaimer's personas): `m2m_changed`.

Which models count is declared once, by inheriting `topics.models.InvalidatesPages`.
The receivers are connected in `TopicsConfig.ready()`.
"""

from __future__ import annotations

from django.db import models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from topics.versioning import SiteVersion

_M2M_CHANGES = {"post_add", "post_remove", "post_clear"}


def bump() -> None:
    SiteVersion.bump()


def _public(model) -> bool:
    from topics.models import InvalidatesPages

    # issubclass, not sender=...: proxy models (the reviewers' "Needs review" queue)
    # send signals under their own class.
    return isinstance(model, type) and issubclass(model, InvalidatesPages)


def saved_or_deleted(sender, **kwargs) -> None:
    if _public(sender):
        bump()


def m2m_changed_receiver(sender, instance, action, model=None, **kwargs) -> None:
    if action in _M2M_CHANGES and (_public(type(instance)) or _public(model)):
        bump()


def connect() -> None:
    post_save.connect(saved_or_deleted, dispatch_uid="topics.invalidation.saved")
    post_delete.connect(saved_or_deleted, dispatch_uid="topics.invalidation.deleted")
    m2m_changed.connect(m2m_changed_receiver, dispatch_uid="topics.invalidation.m2m")


class InvalidatingQuerySet(models.QuerySet):
    """Bulk changes that send no signals bump the content version in the same transaction."""

    def update(self, **kwargs) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            rows = super().update(**kwargs)
            bump()
        return rows

    update.alters_data = True

    def delete(self):
        with transaction.atomic(using=self.db, savepoint=False):
            result = super().delete()
            bump()
        return result

    delete.alters_data = True
    delete.queryset_only = True  # as Django's own: never `Model.objects.delete()`

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            bump()
        return created

    bulk_create.alters_data = True

    def bulk_update(self, objs, fields, *args, **kwargs) -> int:
        with transaction.atomic(using=self.db, savepoint=False):
            rows = super().bulk_update(objs, fields, *args, **kwargs)
            bump()
        return rows

    bulk_update.alters_data = True
