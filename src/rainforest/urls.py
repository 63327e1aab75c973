from django.contrib import admin
from django.urls import include, path

from rainforest.api.root import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("rainforest.accounts.urls")),
    path("api/v1/", api.urls),
    path("finance/", include("rainforest.finance.urls")),
    path("programs/", include("rainforest.programs.urls")),
    path("procurement/", include("rainforest.procurement.urls")),
    path("enforcement/", include("rainforest.enforcement.urls")),
    path("enterprises/", include("rainforest.enterprises.urls")),
    path("insights/", include("rainforest.insights.urls")),
    path("vouchers/", include("rainforest.vouchers.urls")),
    path("review/", include("rainforest.review.urls")),
    path("portrait/", include("rainforest.portrait.urls")),
    path("", include("rainforest.web.urls")),
]
