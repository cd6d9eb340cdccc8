"""Spanish as it is read in the member cities (Spanish of the United States and Mexico).

Django's ``es`` formats are Spain's: ``37,9 %`` and ``1 500``. Our Spanish-speaking residents
read numbers as their bills, their schools and the city's English pages write them, with a
decimal point and a comma between thousands (``37.9%``, ``1,500``), as Django's ``es_MX``
does. Dates keep Django's ``es`` formats; the pages' own date formats are in the catalog.
"""

from django.conf.locale.es.formats import *  # noqa: F403  (the rest stays as Django has it)

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
# A week on a calendar in the United States starts on Sunday, in either language.
FIRST_DAY_OF_WEEK = 0
