"""Each current district of a city has its own number, held by the database.

The admin's form and the import have refused a number another current district has since
districts had numbers, but a district written another way (a shell, a script, an older
import) could share one. Before the constraint is made, the districts are read: if two current
districts of a city share a number, the migration stops and names them, so an administrator
can retire one or change its number (the admin, or ``manage.py shell``) and migrate again.
Nothing is changed for them: which district keeps the number is the city's decision.
"""

from django.db import migrations, models


def refuse_shared_numbers(apps, schema_editor):
    District = apps.get_model("tenants", "District")
    rows = (
        District.objects.using(schema_editor.connection.alias)
        .filter(retired_on__isnull=True, number__isnull=False)
        .order_by("city__name", "number", "name")
        .values_list("city__name", "number", "pk", "name")
    )
    seen: dict[tuple[str, int], list[str]] = {}
    for city, number, pk, name in rows:
        seen.setdefault((city, number), []).append(f"“{name}” (id {pk})")
    shared = [
        f"{city}: {', '.join(names)} all have the number {number}"
        for (city, number), names in seen.items()
        if len(names) > 1
    ]
    if shared:
        raise RuntimeError(
            "Each current district of a city must have its own number, and these share one:\n  "
            + "\n  ".join(shared)
            + "\nIn the admin (Council districts), retire the district that is no longer on the city's map, "
            "or give one of them its right number, then run the migration again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0004_city_reference_version"),
    ]

    operations = [
        migrations.RunPython(refuse_shared_numbers, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="district",
            constraint=models.UniqueConstraint(
                condition=models.Q(("number__isnull", False), ("retired_on__isnull", True)),
                fields=("city", "number"),
                name="district_number_unique_in_current_map",
            ),
        ),
    ]
