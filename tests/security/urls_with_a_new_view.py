"""The site's URLconf plus one view nobody declared: the authorization matrix must refuse it."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as site

urlpatterns = [*site, path("new-page/", lambda request: HttpResponse("hello"), name="brand-new-page")]
