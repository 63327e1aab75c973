from django.urls import path

from rainforest.review import views

app_name = "review"
urlpatterns = [
    path("", views.index, name="index"),
    path("experts/", views.pool, name="pool"),
    path("experts/import/", views.pool_import, name="pool_import"),
    path("experts/<int:expert_id>/", views.expert_detail, name="expert"),
    path("experts/<int:expert_id>/approve/", views.expert_approve, name="expert_approve"),
    path("experts/<int:expert_id>/conflicts/", views.expert_conflict, name="expert_conflict"),
    path("register/", views.register, name="register"),
    path("profile/", views.profile, name="profile"),
    path("calls/<int:call_id>/settings/", views.call_settings, name="settings"),
    path("calls/<int:call_id>/draw/", views.draw_new, name="draw_new"),
    path("calls/<int:call_id>/ranking/", views.ranking, name="ranking"),
    path("calls/<int:call_id>/panels/", views.panels, name="panels"),
    path("calls/<int:call_id>/panels/new/", views.panel_new, name="panel_new"),
    path("panels/<int:panel_id>/", views.panel_detail, name="panel"),
    path("draws/<int:draw_id>/", views.draw_detail, name="draw"),
    path("draws/<int:draw_id>/perform/", views.draw_perform, name="draw_perform"),
    path("assignments/<int:assignment_id>/", views.assignment, name="assignment"),
]
