"""FHIR R4 `Patient` at /fhir/R4/: a thin adapter over the patient services and selectors.

Every resource sent is built and validated with `fhir.resources` (its R4B models; Patient is
normative and the same as R4's) and every resource received is parsed with them. The rules stay in
patients/services.py, cleaning.py, duplicates.py and selectors.py; this package translates shapes,
FHIR paths and status codes.
"""
