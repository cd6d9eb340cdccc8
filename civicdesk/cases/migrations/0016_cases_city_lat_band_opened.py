"""An index of each city's cases by band of latitude, then opening time and number, then
longitude and latitude, for the newest cases around a point: Open311's lat/long/radius reads
the newest of each band the circle crosses and merges them, no further than the page's last,
instead of every case of the circle in the 90 days, sorted (cases/models.py, ``lat_band``;
open311/selectors.py, ``newest_within``)."""

from django.db import migrations, models
from django.db.models import F

from civicdesk.cases.models import LatBand


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0015_cases_city_lat_band"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(
                F("city"),
                LatBand(F("lat")),
                F("opened_at"),
                F("number"),
                F("lng"),
                F("lat"),
                name="cases_city_lat_band_opened",
            ),
        ),
    ]
