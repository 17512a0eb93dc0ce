"""Every survey made before versions existed gets version 1: its one metric question, as asked."""

from __future__ import annotations

from django.db import migrations

SCALE_KEYS = {"nps": "nps", "csat": "csat", "ces": "ces"}


def first_versions(apps, schema_editor):
    Survey = apps.get_model("feedback", "Survey")
    SurveyVersion = apps.get_model("feedback", "SurveyVersion")
    Response = apps.get_model("feedback", "Response")
    for survey in Survey.objects.filter(versions__isnull=True):
        version = SurveyVersion.objects.create(survey=survey, number=survey.version, definition={
            "title": {"en": survey.name},
            "intro": {},
            "questions": [{
                "key": SCALE_KEYS.get(survey.kind, "score"), "kind": "rating", "primary": True, "required": True,
                "text": {"en": survey.question}, "scale_min": survey.scale_min, "scale_max": survey.scale_max,
                "choices": [],
            }],
        })
        Response.objects.filter(survey=survey, version__isnull=True).update(version=version)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_surveys_invitations_loop")]

    operations = [migrations.RunPython(first_versions, migrations.RunPython.noop)]
