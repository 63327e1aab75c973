"""The dashboard's filter form (GET): year, process, and a dimension the process offers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rainforest.core.errors import ValidationError
from rainforest.insights import selectors
from rainforest.insights.selectors import FilterOptions, Filters

ORDER = ("year", "process", "dimension", "value")


class DashboardFilterForm(forms.Form):
    """Checks the filters with ``selectors.resolve_filters`` and offers its options.

    Without JavaScript a dimension appears once its process is chosen and the form sent,
    and its values once the dimension is chosen: each choice narrows the next.
    """

    year = forms.CharField(label=gettext_lazy("年份"), required=False, widget=forms.Select)
    process = forms.CharField(label=gettext_lazy("事项"), required=False, widget=forms.Select)
    dimension = forms.CharField(label=gettext_lazy("维度"), required=False, widget=forms.Select)
    value = forms.CharField(label=gettext_lazy("取值"), required=False, widget=forms.Select)

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters = Filters()
        self.options = FilterOptions([], [], [])

    def clean_year(self) -> int | None:
        text = (self.cleaned_data.get("year") or "").strip()
        if not text:
            return None
        if not text.isdigit() or len(text) != 4:
            raise forms.ValidationError(_("年份应为四位数字，如 2026"))
        return int(text)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = {k: (data.get(k) or None) for k in ORDER}
        if self.errors:  # the year could not be read: show every process, no narrowing
            given = dict.fromkeys(ORDER)
        while True:
            try:
                self.filters, self.options = selectors.resolve_filters(self.user, **given)
                break
            except ValidationError as exc:
                field = exc.field or "process"
                self.add_error(field, exc.message_zh)
                # Options for showing the form again: drop the wrong choice and those after.
                for name in ORDER[ORDER.index(field) :]:
                    given[name] = None
        return data

    def set_choices(self, years: list[int]) -> None:
        everything = [("", _("全部"))]
        self.fields["year"].widget.choices = everything + [(str(y), str(y)) for y in years]
        self.fields["process"].widget.choices = everything + [
            (o.value, o.label) for o in self.options.processes
        ]
        self.fields["dimension"].widget.choices = [("", _("不按维度"))] + [
            (o.value, o.label) for o in self.options.dimensions
        ]
        self.fields["value"].widget.choices = everything + [
            (o.value, o.label) for o in self.options.values
        ]
