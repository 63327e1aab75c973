"""业主制 plans may be drafted before they are submitted: a draft has no case yet."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _copy_submission(apps, schema_editor):  # type: ignore[no-untyped-def]
    OwnerPlan = apps.get_model("programs", "OwnerPlan")
    for plan in OwnerPlan.objects.all().only("pk", "submitted_at", "submitted_by_id"):
        OwnerPlan.objects.filter(pk=plan.pk).update(
            created_at=plan.submitted_at,
            created_by_id=plan.submitted_by_id,
            updated_at=plan.submitted_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_running_due_index"),
        ("programs", "0002_decision_stages"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="ownerplan",
            name="created_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AddField(
            model_name="ownerplan",
            name="created_by",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="ownerplan",
            name="updated_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(_copy_submission, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ownerplan",
            name="created_at",
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name="ownerplan",
            name="created_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="ownerplan",
            name="updated_at",
            field=models.DateTimeField(),
        ),
        migrations.AlterField(
            model_name="ownerplan",
            name="case",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="owner_plan",
                to="cases.case",
            ),
        ),
        migrations.AlterField(
            model_name="ownerplan",
            name="plan",
            field=models.TextField(blank=True, verbose_name="实施方案"),
        ),
        migrations.AlterField(
            model_name="ownerplan",
            name="budget_total",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                max_digits=16,
                null=True,
                verbose_name="财政资金总额（元）",
            ),
        ),
        migrations.AlterField(
            model_name="ownerplan",
            name="submitted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="ownerplan",
            name="submitted_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterModelOptions(
            name="ownerplan",
            options={"ordering": ["-created_at", "-id"]},
        ),
    ]
