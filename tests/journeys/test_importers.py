"""CSV import of customers: the API upsert's rules row by row, what an empty cell means, and the
touchpoint references the other kinds' files use."""

from __future__ import annotations

import pytest
from rest_framework import serializers

from journeys.importers import TouchpointRefField
from journeys.models import Customer
from tests.cxhub.import_helpers import counts, csv_bytes, rejections, run_import
from tests.journeys.factories import CustomerFactory, TouchpointFactory

pytestmark = pytest.mark.django_db

HEADER = ["external_id", "name", "email", "segment", "language"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def customers(*rows: list[str], header: list[str] = HEADER) -> bytes:
    return csv_bytes(header, *rows)


def test_names_in_greek_vietnamese_and_persian_are_kept_as_written():
    run_import("customers", customers(["GR-1", "Ελένη Κωνσταντίνου", "eleni@example.gr", "fleet", "EL"],
                                      ["VN-1", "Trần Thị Bích Ngọc", "ngoc@example.vn", "", "vi"],
                                      ["IR-1", "علی رضایی", "ali@example.ir", "خرده‌فروشی", "fa"]))

    assert {c.external_id: (c.name, c.segment, c.language) for c in Customer.objects.all()} == {
        "GR-1": ("Ελένη Κωνσταντίνου", "fleet", "el"),
        "VN-1": ("Trần Thị Bích Ngọc", "", "vi"),
        "IR-1": ("علی رضایی", "خرده‌فروشی", "fa"),
    }


def test_an_empty_cell_keeps_what_the_customer_has():
    CustomerFactory(external_id="C-1", name="Ana", email="ana@example.com", segment="retail", language="el")

    job = run_import("customers", customers(["C-1", "Ana Silva", "", "", ""]))

    assert counts(job)["updated"] == 1
    customer = Customer.objects.get()
    assert (customer.name, customer.email, customer.segment, customer.language) == (
        "Ana Silva", "ana@example.com", "retail", "el")


def test_a_customer_whose_row_says_what_it_has_is_not_written():
    customer = CustomerFactory(external_id="C-1", name="Ana", email="ana@example.com", segment="", language="en")
    before = customer.updated_at

    job = run_import("customers", customers(["C-1", "Ana", "ana@example.com", "", "en"]))

    assert counts(job)["unchanged"] == 1
    customer.refresh_from_db()
    assert customer.updated_at == before


def test_columns_a_file_leaves_out_are_left_alone():
    CustomerFactory(external_id="C-1", name="Ana", email="ana@example.com")

    job = run_import("customers", customers(["C-1", "Ana"], ["C-2", "Bo"], header=["external_id", "name"]))

    assert counts(job) == {"created": 1, "updated": 0, "unchanged": 1, "rejected": 0}
    assert Customer.objects.get(external_id="C-1").email == "ana@example.com"
    assert Customer.objects.get(external_id="C-2").language == "en"


@pytest.mark.parametrize(("cells", "errors"), [
    (["C-1", "Ana", "ana@", "", ""], {"email": ["Enter a valid email address."]}),
    (["C-1", "Ana", "", "", "de"], {"language": ['"de" is not a valid choice.']}),
    (["C-1", "A" * 201, "", "", ""], {"name": ["Ensure this field has no more than 200 characters."]}),
    (["C-1", "Ana", "", "s" * 61, ""], {"segment": ["Ensure this field has no more than 60 characters."]}),
    (["X" * 101, "Ana", "", "", ""], {"external_id": ["Ensure this field has no more than 100 characters."]}),
    (["C-1", "", "", "", ""], {"name": ["This value is required."]}),
])
def test_a_bad_row_is_rejected_with_the_reason_and_not_written(cells, errors):
    job = run_import("customers", customers(cells, ["C-OK", "Fine", "", "", ""]))

    assert rejections(job) == {2: errors}
    assert list(Customer.objects.values_list("external_id", flat=True)) == ["C-OK"]


def test_an_email_with_an_internationalised_domain_is_kept_as_written():
    job = run_import("customers", customers(["C-1", "Δοκιμή", "nikos@παράδειγμα.ελ", "", ""]))

    assert counts(job)["created"] == 1 and Customer.objects.get().email == "nikos@παράδειγμα.ελ"


# --- Touchpoint references -------------------------------------------------------------------------------


def test_a_touchpoint_is_found_by_id_or_by_its_name():
    greek, latin = TouchpointFactory(name="Παράδοση"), TouchpointFactory(name="Test drive")
    field = TouchpointRefField()

    assert field.to_internal_value(str(greek.pk)) == greek
    assert field.to_internal_value(" Παράδοση ") == greek
    assert field.to_internal_value("test DRIVE") == latin


@pytest.mark.parametrize("value", ["Nowhere", "99999999", "9" * 30])
def test_an_unknown_touchpoint_is_a_field_error(value):
    TouchpointFactory(name="Delivery")

    with pytest.raises(serializers.ValidationError, match="No touchpoint has the id or name"):
        TouchpointRefField().to_internal_value(value)


def test_a_name_two_touchpoints_share_must_be_given_by_id():
    first, second = TouchpointFactory(name="Delivery"), TouchpointFactory(name="Delivery")

    with pytest.raises(serializers.ValidationError) as refused:
        TouchpointRefField().to_internal_value("Delivery")

    message = str(refused.value.detail[0])
    assert f"(id {first.pk})" in message and f"(id {second.pk})" in message and "give the id instead" in message
