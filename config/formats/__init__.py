"""Number and date formats of the site's languages where Django's own do not fit our readers
(``FORMAT_MODULE_PATH``)."""
