from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("performance", "0006_regional_figure_checked_at"),
    ]

    operations = [
        migrations.AlterField(
            model_name="regionalfigure",
            name="checked_at",
            field=models.DateTimeField(),
        ),
    ]
