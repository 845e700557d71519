"""Duplicates resolved: merge two records of one person (a lead into a patient, or two patients),
undo it, archive and restore a record, and the organization admins' duplicates worklist.

The services (services.py, archiving.py, worklist.py) decide; the API (api.py), the front desk
(views.py) and the admin (admin.py) only translate. Models live in models.py (the `patients` app).
"""
