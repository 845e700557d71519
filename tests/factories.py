import factory
from django.contrib.auth import get_user_model

from organizations.models import Membership, Organization, PatientGroup, Provider
from patients.models import HealthCard, Patient


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Clinic {n}")
    slug = factory.Sequence(lambda n: f"clinic-{n}")
    default_phone_region = "CA"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@clinic.test")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "front-desk-pass-1!")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.FRONT_DESK


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Dr. Provider {n}")


class PatientGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PatientGroup

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class PatientFactory(factory.django.DjangoModelFactory):
    """A stored active patient (bypasses the service: for arranging tests, not for testing rules)."""

    class Meta:
        model = Patient

    organization = factory.SubFactory(OrganizationFactory)
    status = Patient.Status.ACTIVE
    patient_number = factory.LazyAttribute(lambda p: p.organization.allocate_patient_number())
    given_name = factory.Sequence(lambda n: f"Given{n}")
    family_name = factory.Sequence(lambda n: f"Family{n}")
    full_name = factory.LazyAttribute(lambda p: f"{p.given_name} {p.family_name}")
    gender = Patient.Gender.FEMALE
    date_of_birth = factory.Faker("date_of_birth", minimum_age=1, maximum_age=90)
    email = factory.Sequence(lambda n: f"patient{n}@example.com")
    phone = factory.Sequence(lambda n: f"+1416555{n % 10000:04d}")
    roles = factory.LazyFunction(lambda: ["patient"])


class LeadFactory(PatientFactory):
    status = Patient.Status.LEAD
    patient_number = None
    date_of_birth = None


class HealthCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthCard

    patient = factory.SubFactory(PatientFactory)
    organization = factory.SelfAttribute("patient.organization")
    number = "9876543217"
    version_code = "AB"
    province = "ON"
