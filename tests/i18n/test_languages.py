"""English and French: the front desk in the organization's language unless staff switch, the
sign-in page in the browser's, API error messages by Accept-Language with unchanged keys and codes."""

from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from patients.models import Patient
from tests.date_parts import with_date_parts
from tests.factories import PatientFactory

REGISTER = reverse("frontdesk:register")


def test_the_front_desk_speaks_the_organizations_language(desk, organization):
    organization.language = "fr"
    organization.save()
    page = desk.get(REGISTER).content.decode()
    assert '<html lang="fr">' in page
    assert "Inscrire un patient" in page and "Date de naissance" in page and "Courriel" in page
    assert "Register a patient" not in page


def test_an_english_clinic_stays_english_whatever_the_browser_says(desk, organization):
    page = desk.get(REGISTER, HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9").content.decode()
    assert '<html lang="en">' in page and "Register a patient" in page


def test_staff_switch_language_and_it_is_remembered(desk, organization):
    organization.language = "fr"
    organization.save()
    answer = desk.post(reverse("set_language"), {"language": "en", "next": REGISTER})
    assert answer.status_code == 302 and answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Register a patient" in desk.get(REGISTER).content.decode()
    desk.post(reverse("set_language"), {"language": "fr", "next": REGISTER})
    assert "Inscrire un patient" in desk.get(REGISTER).content.decode()


def test_the_switcher_offers_the_other_language(desk):
    page = desk.get(REGISTER).content.decode()
    assert 'data-testid="language-switcher"' in page
    assert 'name="language" value="fr"' in page and 'name="language" value="en"' not in page


def test_the_sign_in_page_follows_the_browser(client):
    assert "Se connecter" in client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-CA").content.decode()
    assert "Sign in" in client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-CA").content.decode()


def test_form_errors_are_in_french(desk, organization):
    organization.language = "fr"
    organization.save()
    page = desk.post(REGISTER, with_date_parts({"given_name": "Zoé", "phone": "abc", "date_of_birth": "2999-01-01"})
                     ).content.decode()
    assert "La date de naissance ne peut pas être dans le futur." in page
    assert "Entrez seulement des chiffres" in page
    assert "Ce champ est obligatoire." in page
    assert not Patient.objects.exists()


def test_the_patient_page_in_french(desk, organization):
    organization.language = "fr"
    organization.save()
    patient = PatientFactory(organization=organization, preferred_language="fr")
    page = desk.get(reverse("frontdesk:patient_detail", args=[patient.pk])).content.decode()
    assert "Numéro de patient" in page and "Historique des modifications" in page
    assert "Femme" in page  # the gender's label
    assert "Français" in page  # the preferred language


def _v1(api_key, language=None):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.raw}")
    if language:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_key.raw}", HTTP_ACCEPT_LANGUAGE=language)
    return client


BAD_PATIENT = {"email": "zoe@example.com", "firstName": "Zoé", "lastName": "Roy", "gender": "female",
               "phone": "514 555 0199", "dateOfBirth": "2999-01-01"}


def test_v1_errors_follow_accept_language_and_keep_their_keys(api_key):
    french = _v1(api_key, "fr-CA,fr;q=0.9").post("/api/v1/patients", BAD_PATIENT, format="json")
    english = _v1(api_key).post("/api/v1/patients", BAD_PATIENT, format="json")
    assert french.status_code == english.status_code == 400
    fr, en = french.json(), english.json()
    assert fr["code"] == en["code"] == "invalid" and fr["status"] == en["status"] == 400
    assert set(fr["errors"]) == set(en["errors"]) == {"dateOfBirth"}
    assert fr["errors"]["dateOfBirth"] == ["La date de naissance ne peut pas être dans le futur."]
    assert en["errors"]["dateOfBirth"] == ["The date of birth cannot be in the future."]
    assert fr["message"] == "Certains champs ne sont pas valides."
    assert french["Content-Language"] == "fr"


def test_v1_unknown_address_answers_in_french(api_key):
    answer = _v1(api_key, "fr").get("/api/v1/nowhere")
    assert answer.status_code == 404 and answer.json()["message"] == "Introuvable."


def test_register_patient_contract_errors_in_french_with_the_same_status_codes(api_key):
    body = {"isLead": False, "preferredName": "Zoé", "fullName": "Zoé Roy", "callingCode": "+1",
            "localPhone": "abc", "email": "", "gender": "Female", "dateOfBirth": {"date": "2999-01-01"}}
    french = _v1(api_key, "fr").post("/api/user/v1/patients/add", body, format="json")
    english = _v1(api_key).post("/api/user/v1/patients/add", body, format="json")
    assert french.status_code == english.status_code == 400
    assert french.json()["status"] == english.json()["status"] == "1"
    assert set(french.json()["errors"]) == set(english.json()["errors"])
    assert "La date de naissance ne peut pas être dans le futur." in french.json()["errors"]["dateOfBirth.date"]


def test_register_patient_contract_gender_stays_in_the_contracts_words(api_key):
    body = {"isLead": True, "preferredName": "", "fullName": "", "callingCode": "", "localPhone": "",
            "email": None, "gender": "Female", "dateOfBirth": {"date": "1111-01-01"}}
    answer = _v1(api_key, "fr").post("/api/user/v1/patients/add", body, format="json")
    assert answer.status_code == 201 and answer.json()["data"]["patient"]["gender"] == "Female"


def test_v1_accepts_an_optional_preferred_language(api_key):
    body = {**BAD_PATIENT, "dateOfBirth": "1990-05-04", "preferredLanguage": "fr-CA"}
    answer = _v1(api_key).post("/api/v1/patients", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["preferredLanguage"] == "fr"
    assert Patient.objects.get().preferred_language == "fr"
    without = _v1(api_key).post("/api/v1/patients", {**body, "email": "x@example.com", "phone": "514 555 0100",
                                                      "firstName": "Xavier"}, format="json")
    without_body = {k: v for k, v in body.items() if k != "preferredLanguage"}
    plain = _v1(api_key).post("/api/v1/patients", {**without_body, "email": "y@example.com",
                                                    "phone": "514 555 0101", "firstName": "Yves"}, format="json")
    assert without.status_code == plain.status_code == 201
    assert plain.json()["preferredLanguage"] is None


def test_v1_refuses_an_unknown_language_on_its_field(api_key):
    answer = _v1(api_key).post("/api/v1/patients", {**BAD_PATIENT, "dateOfBirth": "1990-05-04",
                                                    "preferredLanguage": "de"}, format="json")
    assert answer.status_code == 400 and set(answer.json()["errors"]) == {"preferredLanguage"}
    assert not Patient.objects.exists()


def test_the_intake_form_saves_the_preferred_language(desk, organization):
    data = {"given_name": "Zoé", "family_name": "Roy", "date_of_birth": "1990-05-04", "gender": "female",
            "phone_region": "CA", "phone": "514 555 0199", "preferred_language": "fr"}
    answer = desk.post(REGISTER, with_date_parts(data))
    assert answer.status_code == 302
    assert Patient.objects.get().preferred_language == "fr"


def test_the_live_duplicate_check_speaks_the_clerks_language(desk, organization):
    organization.language = "fr"
    organization.save()
    PatientFactory(organization=organization, phone="+15145550199")
    found = desk.get(reverse("frontdesk:duplicates_check"), {"phone": "514 555 0199"}).json()["matches"]
    assert found[0]["reasons"] == ["même téléphone"]
    page = desk.get(REGISTER).content.decode()
    assert 'data-title="Peut-être déjà inscrit :"' in page and 'data-lead="préinscription"' in page
