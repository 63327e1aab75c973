from django.urls import path

from rainforest.procurement import views

app_name = "procurement"
urlpatterns = [
    path("public/set-aside/", views.set_aside_calculator, name="set_aside_calculator"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:project_id>/", views.project_detail, name="project_detail"),
    path("projects/<int:project_id>/ocds.json", views.project_ocds, name="project_ocds"),
    path("projects/<int:project_id>/lots/<int:lot_id>/bids/new/", views.bid_new, name="bid_new"),
    path(
        "projects/<int:project_id>/lots/<int:lot_id>/evaluate/",
        views.lot_evaluate,
        name="lot_evaluate",
    ),
    path("projects/<int:project_id>/lots/<int:lot_id>/award/", views.lot_award, name="lot_award"),
    path("reports/<int:year>/", views.report, name="report"),
]
