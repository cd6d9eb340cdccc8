"""History import: a city's past cases, brought from another system's export.

The app holds the readers (one module per format, ``readers``), the mapping files that say
which column is what (``mapping``, ``mappings/``), the streaming pipeline that reads, checks,
counts and reports (``pipeline.cases_import``) and the ``import_cases`` command. It writes
no case itself: the rules of a new case and the insert of a batch are ``cases``'s
(``civicdesk.cases.bulk``). docs/import.md is the user's guide.
"""
