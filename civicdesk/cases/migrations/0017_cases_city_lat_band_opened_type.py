"""The index of each city's cases by band of latitude, then opening time and number, then
longitude and latitude (0016) ends with the type too, so Open311's lat/long/radius with a
``service_code`` checks the problem on the index's entries: the newest potholes of each band the
circle crosses are read without reading its other cases (cases/models.py, ``lat_band``;
open311/selectors.py, ``newest_keys_within``; docs/performance.md)."""

from django.db import migrations, models
from django.db.models import F

from civicdesk.cases.models import LatBand


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_cases_city_lat_band_opened"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="servicerequest", name="cases_city_lat_band_opened"),
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(
                F("city"),
                LatBand(F("lat")),
                F("opened_at"),
                F("number"),
                F("lng"),
                F("lat"),
                F("service_type"),
                name="cases_city_lat_band_opened",
            ),
        ),
    ]
