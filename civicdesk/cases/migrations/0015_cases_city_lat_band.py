"""An index of each city's cases by band of latitude, then longitude and latitude, for the
cases around a point: the browse page's "Near" and Open311's lat/long/radius read the few
bands a circle crosses, each from its west edge to its east edge, instead of every case of the
city in the circle's strip of latitude (cases/models.py, ``lat_band``)."""

from django.db import migrations, models
from django.db.models import F

from civicdesk.cases.models import LatBand


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0014_verbose_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(
                F("city"),
                LatBand(F("lat")),
                F("lng"),
                F("lat"),
                name="cases_city_lat_band",
            ),
        ),
    ]
