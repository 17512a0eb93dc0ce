"""The journey builder: programs, goals, personas, journeys, stages, touchpoints, initiatives."""

from __future__ import annotations

from django.urls import path

from journeys import views_builder as v

urlpatterns = [
    path("builder/", v.builder_index, name="builder"),
    path("builder/programs/new/", v.program_create, name="program_create"),
    path("builder/programs/<int:pk>/edit/", v.program_edit, name="program_edit"),
    path("builder/programs/<int:pk>/goals/", v.goal_list, name="goals"),
    path("builder/programs/<int:pk>/goals/new/", v.goal_create, name="goal_create"),
    path("builder/goals/<int:pk>/edit/", v.goal_edit, name="goal_edit"),
    path("builder/goals/<int:pk>/delete/", v.goal_delete, name="goal_delete"),
    path("builder/personas/", v.persona_list, name="personas"),
    path("builder/personas/new/", v.persona_create, name="persona_create"),
    path("builder/personas/<int:pk>/edit/", v.persona_edit, name="persona_edit"),
    path("builder/personas/<int:pk>/delete/", v.persona_delete, name="persona_delete"),
    path("builder/programs/<int:pk>/journeys/new/", v.journey_create, name="journey_create"),
    path("builder/journeys/<int:pk>/", v.journey_edit, name="journey_edit"),
    path("builder/journeys/<int:pk>/stages/", v.stage_add, name="stage_add"),
    path("builder/journeys/<int:pk>/stages/order/", v.stage_reorder, name="stage_reorder"),
    path("builder/stages/<int:pk>/edit/", v.stage_edit, name="stage_edit"),
    path("builder/stages/<int:pk>/move/", v.stage_move, name="stage_move"),
    path("builder/stages/<int:pk>/delete/", v.stage_delete, name="stage_delete"),
    path("builder/stages/<int:pk>/touchpoints/new/", v.touchpoint_create, name="touchpoint_create"),
    path("builder/touchpoints/<int:pk>/edit/", v.touchpoint_edit, name="touchpoint_edit"),
    path("builder/touchpoints/<int:pk>/move/", v.touchpoint_move, name="touchpoint_move"),
    path("builder/touchpoints/<int:pk>/archive/", v.touchpoint_archive, name="touchpoint_archive"),
    path("builder/touchpoints/<int:pk>/restore/", v.touchpoint_restore, name="touchpoint_restore"),
    path("builder/touchpoints/<int:pk>/delete/", v.touchpoint_delete, name="touchpoint_delete"),
    path("initiatives/", v.initiative_list, name="initiatives"),
    path("initiatives/new/", v.initiative_create, name="initiative_create"),
    path("initiatives/<int:pk>/", v.initiative_detail, name="initiative_detail"),
    path("initiatives/<int:pk>/edit/", v.initiative_edit, name="initiative_edit"),
]
