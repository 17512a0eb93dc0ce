"""Feedback pages: the survey editor (managers), the answers list, one answer, and the CSV export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cxhub.forms import flash_form_errors, run_service
from cxhub.pagination import CappedPaginator
from feedback import export, selectors, services, services_surveys
from feedback.choices import QuestionKind
from feedback.filters import BAD_BANDS, BAND_NAMES, BANDS, GOOD_BANDS, KIND_BANDS, band_of
from feedback.forms import (
    QuestionFormSet,
    ResponseForm,
    SurveyActiveForm,
    SurveyCreateForm,
    SurveyTextsForm,
    editor_definition,
    editor_initial,
)
from feedback.forms_public import SurveyAnswerForm
from feedback.invitations import localized
from feedback.models import Response, Survey, SurveyVersion
from feedback.themes import theme_list
from journeys.choices import Language

PAGE_SIZE = 25
ORDERINGS = [("", gettext_lazy("Newest first")), ("answered_at", gettext_lazy("Oldest first")),
             ("score", gettext_lazy("Lowest score first")), ("-score", gettext_lazy("Highest score first"))]
PREVIEW_LANGUAGES = [(code, label) for code, label in Language.choices]


# --- Answers ---------------------------------------------------------------------------------------


@login_required
@permission_required("feedback.view_response", raise_exception=True)
def response_list(request: HttpRequest) -> HttpResponse:
    filterset = selectors.response_filterset(data=request.GET)
    filterset.is_valid()  # an invalid value is dropped on its own; the others still apply
    page = CappedPaginator(filterset.qs, PAGE_SIZE)  # answers run to millions: count the first pages only
    params = request.GET.copy()
    params.pop("page", None)
    survey = filterset.form.cleaned_data.get("survey")
    return render(request, "feedback/response_list.html", {
        "filterset": filterset, "form": filterset.form,
        "page_obj": page.get_page(request.GET.get("page")),
        "filtered": any(v for k, v in params.items() if k != "ordering"),
        "export_query": params.urlencode(),
        "bands": [(key, BANDS[key][0]) for key in (KIND_BANDS[survey.kind] if survey else BANDS)],
        "orderings": ORDERINGS,
    })


@login_required
@permission_required("feedback.view_response", raise_exception=True)
def response_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        response = selectors.response_get(pk=pk)
    except Response.DoesNotExist:
        raise Http404("No such answer.") from None
    return render(request, "feedback/response_detail.html", {
        "r": response,
        "questions": selectors.response_questions(response=response),
        "context": selectors.response_context(response=response),
        "band": band_of(response.survey.kind, response.score),
        "band_names": BAND_NAMES,
        "good_bands": GOOD_BANDS, "bad_bands": BAD_BANDS,
        "all_themes": theme_list() if request.user.has_perm("feedback.change_response") else None,
    })


@login_required
@permission_required("feedback.view_response", raise_exception=True)
@require_GET
def response_export(request: HttpRequest) -> HttpResponse:
    """The filtered answers as CSV. A filter value the list would drop is refused here instead: a file
    with more answers than asked for is worse than none."""
    filterset = selectors.response_filterset(data=request.GET)
    if not filterset.is_valid():
        problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in filterset.errors.items())
        return HttpResponse(_("Bad filter: %(problems)s") % {"problems": problems} + "\n", status=400,
                            content_type="text/plain; charset=utf-8")
    survey = filterset.form.cleaned_data.get("survey")
    response = StreamingHttpResponse(export.csv_rows(filterset.qs, survey=survey),
                                     content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="answers-{stamp}.csv"'
    return response


@login_required
@permission_required("feedback.add_response", raise_exception=True)
def response_create(request: HttpRequest) -> HttpResponse:
    form = ResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        response = run_service(form, lambda: services.response_submit(**form.cleaned_data))
        if response is not None:
            messages.success(request, _("Recorded a %(kind)s answer of %(score)s from %(customer)s.") % {
                "kind": response.survey.kind.upper(), "score": response.score, "customer": response.customer.name})
            return redirect("feedback:responses")
    return render(request, "feedback/response_form.html", {"form": form},
                  status=400 if form.errors else 200)


# --- The survey editor -----------------------------------------------------------------------------


def _survey(pk: int) -> Survey:
    try:
        return selectors.survey_get(pk=pk)
    except Survey.DoesNotExist:
        raise Http404("No such survey.") from None


@login_required
@permission_required("feedback.change_survey", raise_exception=True)
def survey_list(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/survey_list.html", {"surveys": selectors.survey_list()})


@login_required
@permission_required("feedback.add_survey", raise_exception=True)
def survey_create(request: HttpRequest) -> HttpResponse:
    form = SurveyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        survey = run_service(form, lambda: services_surveys.survey_start(actor=request.user, **form.cleaned_data))
        if survey is not None:
            messages.success(request, _("Survey “%(name)s” created. Add questions and translations.")
                             % {"name": survey.name})
            return redirect("feedback:survey-edit", pk=survey.pk)
    return render(request, "feedback/survey_create.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@permission_required("feedback.change_survey", raise_exception=True)
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    version = selectors.current_version(survey=survey)
    _, _, questions = selectors.definition_in(definition=version.definition if version else {}, lang="en")
    return render(request, "feedback/survey_detail.html", {
        "survey": survey, "version": version, "questions": questions,
        "versions": selectors.survey_versions(survey=survey), "preview_languages": PREVIEW_LANGUAGES,
        "question_kinds": dict(QuestionKind.choices),
    })


def _add_question(data: QueryDict) -> QueryDict:
    """The posted editor with one more, blank question (a 1-5 rating until changed)."""
    data = data.copy()
    total = int(data.get("form-TOTAL_FORMS") or 0)
    data["form-TOTAL_FORMS"] = str(total + 1)
    data.update({f"form-{total}-kind": "rating", f"form-{total}-scale_min": "1",
                 f"form-{total}-scale_max": "5", f"form-{total}-ORDER": str(total + 1)})
    return data


@login_required
@permission_required("feedback.change_survey", raise_exception=True)
def survey_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the questions; saving makes a new version. Works without JavaScript: "Add a question"
    posts the form back with one more blank question, keeping everything typed so far."""
    survey = _survey(pk)
    version = selectors.current_version(survey=survey)
    if request.method == "POST":
        adding = "add" in request.POST
        data = _add_question(request.POST) if adding else request.POST
        texts, questions = SurveyTextsForm(data), QuestionFormSet(data)
        if not adding and texts.is_valid() and questions.is_valid():
            before = survey.version
            saved = run_service(texts, lambda: services_surveys.survey_version_save(
                survey=survey, definition=editor_definition(texts, questions), actor=request.user))
            if saved is not None:
                if saved.number == before:
                    messages.info(request, _("Nothing changed: still version %(number)s.") % {"number": saved.number})
                else:
                    messages.success(request, _("Saved as version %(number)s. Answers to earlier versions keep the "
                                                "questions they were given.") % {"number": saved.number})
                return redirect("feedback:survey", pk=survey.pk)
        status = 200 if adding else 400
    else:
        texts_initial, questions_initial = editor_initial(version.definition if version else {})
        texts, questions = SurveyTextsForm(initial=texts_initial), QuestionFormSet(initial=questions_initial)
        status = 200
    return render(request, "feedback/survey_edit.html", {
        "survey": survey, "version": version, "texts": texts, "questions": questions,
    }, status=status)


@login_required
@permission_required("feedback.change_survey", raise_exception=True)
@require_POST
def survey_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    form = SurveyActiveForm(request.POST)
    if form.is_valid() and run_service(form, lambda: services_surveys.survey_set_active(
            survey=survey, active=form.cleaned_data["active"])) is not None:
        messages.success(request, _("Survey reopened.") if survey.is_active else
                         _("Survey closed: it takes no new answers; its answers stay."))
    else:
        flash_form_errors(request, form)
    return redirect("feedback:survey", pk=survey.pk)


def _preview_version(request: HttpRequest, survey: Survey) -> tuple[SurveyVersion, str]:
    lang = request.GET.get("lang", "en")
    if lang not in Language.values:
        lang = "en"
    number = request.GET.get("version", "")
    try:
        return SurveyVersion.objects.get(
            survey=survey, number=int(number) if number.isdigit() else survey.version), lang
    except SurveyVersion.DoesNotExist:
        raise Http404("No such version.") from None


@login_required
@permission_required("feedback.change_survey", raise_exception=True)
@require_GET
def survey_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """A version as a customer sees it, in one of the four languages (Persian right to left): the
    manager's page around a frame that shows the real answer page."""
    survey = _survey(pk)
    version, lang = _preview_version(request, survey)
    return render(request, "feedback/survey_preview.html", {
        "survey": survey, "version": version, "lang": lang, "preview_languages": PREVIEW_LANGUAGES,
    })


@login_required
@permission_required("feedback.change_survey", raise_exception=True)
@require_http_methods(["GET", "POST"])
@xframe_options_sameorigin
def survey_preview_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The public answer page for a version, in the chosen language. Sending it checks the answers as
    the real page does and records nothing."""
    survey = _survey(pk)
    version, lang = _preview_version(request, survey)
    definition = version.definition or {}
    with translation.override(lang):
        form = SurveyAnswerForm(request.POST if request.method == "POST" else None,
                                definition=definition, language=lang)
        if form.is_bound and form.is_valid():
            return render(request, "feedback/public/notice.html", {
                "state": "preview", "title": _("Preview"),
                "text": _("These answers are valid. In the preview nothing is recorded."),
            })
        return render(request, "feedback/public/answer.html", {
            "form": form, "questions": form.questions(),
            "title": localized(definition.get("title"), lang, survey.name),
            "intro": localized(definition.get("intro"), lang),
        }, status=400 if form.is_bound else 200)
