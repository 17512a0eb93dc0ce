# Survey answers keyed by the id they had in the system they were imported from (CSV imports).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('feedback', '0003_first_survey_versions'),
    ]

    operations = [
        migrations.AddField(
            model_name='response',
            name='external_id',
            field=models.CharField(blank=True, default='', help_text="The answer's id in the system it came from (CSV imports).", max_length=100),
        ),
        migrations.AddConstraint(
            model_name='response',
            constraint=models.UniqueConstraint(condition=models.Q(('external_id', ''), _negated=True), fields=('external_id',), name='feedback_response_external_id_unique'),
        ),
    ]
