from django.urls import path

from rainforest.enterprises import views

app_name = "enterprises"
urlpatterns = [
    path("", views.registry, name="registry"),
    path("charts/", views.charts, name="charts"),
    path("import/", views.registry_import, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("mine/", views.mine, name="mine"),
    path("<int:enterprise_id>/", views.detail, name="detail"),
    path("public/hnte-check/", views.hnte_check, name="hnte_check"),
    path("public/rd-deduction/", views.rd_deduction, name="rd_deduction"),
]
