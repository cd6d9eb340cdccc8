"""The portal stores nothing of its own: a report it files is a case (``cases``), and the
key that files it only once is a ``cases.SubmissionKey``."""
