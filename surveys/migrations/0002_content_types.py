"""The moved models' content types follow them, feedback -> surveys, so the admin's history
(LogEntry) and the permissions given to people and groups keep pointing at the right models.

On a database created before the move, the rows are simply relabelled. Where the surveys
content types exist already (a database migrated from scratch after the move, on which Django
created them, or one where the move ran partly before), the feedback rows' references are
moved onto them and the feedback rows deleted: nothing is lost and nothing is duplicated.
"""

from django.conf import settings
from django.db import migrations

MODELS = ["surveytemplate", "surveyquestion", "surveyround", "surveyinvitation", "surveyresponse", "surveyanswer"]


def _move(apps, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    LogEntry = apps.get_model("admin", "LogEntry")
    GroupPermission = apps.get_model("auth", "Group").permissions.through
    UserPermission = apps.get_model(settings.AUTH_USER_MODEL).user_permissions.through
    for model in MODELS:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
            continue
        LogEntry.objects.filter(content_type=old).update(content_type=new)
        for permission in Permission.objects.filter(content_type=old):
            twin = Permission.objects.filter(content_type=new, codename=permission.codename).first()
            if twin is None:
                permission.content_type = new
                permission.save(update_fields=["content_type"])
                continue
            # Whoever held the old permission holds its twin, once.
            for through, owner in ((GroupPermission, "group_id"), (UserPermission, "user_id")):
                held = through.objects.filter(permission=twin).values_list(owner, flat=True)
                through.objects.filter(permission=permission).exclude(**{f"{owner}__in": held}).update(
                    permission=twin
                )
            permission.delete()
        old.delete()


def forwards(apps, schema_editor):
    _move(apps, source="feedback", target="surveys")


def backwards(apps, schema_editor):
    _move(apps, source="surveys", target="feedback")


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
